/**
 * Least-recently-used sessions, at most `limit` of them: each holds its graph's weights (and
 * onnxruntime's packed copies), so a server dreaming at many sizes must let old ones go. A
 * session running a step is never released under it: the cache may exceed `limit` until it idles.
 */
export interface Releasable {
  release(): Promise<void>;
}

interface Entry<S> {
  session: Promise<S>;
  busy: number;
}

export class SessionCache<S extends Releasable> {
  private entries = new Map<string, Entry<S>>();
  private readonly limit: number;

  // No parameter property: compute threads load this file under Node 22's type stripping,
  // which refuses them (the thread then fails at start and the task never ends).
  constructor(limit: number) {
    this.limit = limit;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Runs `use` on the session for `key`, creating it with `create` when missing. */
  async use<R>(key: string, create: () => Promise<S>, use: (s: S) => Promise<R>): Promise<R> {
    let e = this.entries.get(key);
    if (e) this.entries.delete(key); // re-inserted last: most recently used
    else {
      const entry: Entry<S> = { session: create(), busy: 0 };
      entry.session.catch(() => {
        if (this.entries.get(key) === entry) this.entries.delete(key); // a failed build is not kept
      });
      e = entry;
    }
    this.entries.set(key, e);
    e.busy++;
    try {
      return await use(await e.session);
    } finally {
      e.busy--;
      this.evictIdle();
    }
  }

  private evictIdle(): void {
    for (const [key, e] of this.entries) {
      if (this.entries.size <= this.limit) return;
      if (e.busy > 0) continue;
      this.entries.delete(key);
      void e.session.then((s) => s.release()).catch(() => {});
    }
  }
}
