/**
 * Exactly `n` uncached requests, `concurrency` at a time, for the memory figure ("RSS after
 * 2,000 misses"): wrk runs for a time, not a count. A light load (a few dozen requests a
 * second), so fetch in this process costs little next to what the server does.
 */
export async function sendMisses(url: (i: number) => string, n: number, concurrency: number): Promise<{ ok: number; failed: number; firstError?: string }> {
  let next = 0, ok = 0, failed = 0;
  let firstError: string | undefined;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      const i = next++;
      try {
        const res = await fetch(url(i), { signal: AbortSignal.timeout(60_000) });
        await res.arrayBuffer();
        if (res.status === 200) ok++;
        else {
          failed++;
          firstError ??= `HTTP ${res.status}`;
        }
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  }));
  return { ok, failed, firstError };
}
