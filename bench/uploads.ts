/**
 * Uploads (issue 18): a 12 MP photo (4000x3000 photo-like JPEG, bench/lib/photo-like.ts) POSTed
 * to /uploads until all its default variants are made (webp, avif, jpeg at full size, a 256 px
 * png thumbnail), by 1 or 2 `imgflow worker` processes over Redis (concurrency 1 each).
 * `--uploads N` distinct uploads (the same photo with a distinct JPEG comment, so a distinct
 * sha256) are sent `--parallel P` at a time; each one's time is POST sent -> its job succeeded
 * and the manifest lists the 4 variants (polled every 100 ms). Reports p50/p99 and throughput.
 *
 *   npm run build && node --import tsx bench/uploads.ts --workers 1|2 [--uploads 8] [--parallel 4] [--size 4000x3000]
 *
 * `--size` other than 4000x3000 is for checking that the bench runs (a small photo takes
 * seconds), not a figure for the issue.
 *
 * Needs Redis on 127.0.0.1:6379; keys under a fresh prefix and the upload directory are
 * deleted at the end.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { photoLikeJpeg } from './lib/photo-like.ts';
import { startServer } from './lib/resize-rig.ts';
import { percentile as pct, startWorker } from './lib/queue-rig.ts';

const { values } = parseArgs({ options: { workers: { type: 'string', default: '1' }, uploads: { type: 'string', default: '8' }, parallel: { type: 'string', default: '4' }, size: { type: 'string', default: '4000x3000' }, help: { type: 'boolean', default: false } } });
if (values.help) {
  console.log('node --import tsx bench/uploads.ts --workers 1|2 [--uploads 8] [--parallel 4] [--size 4000x3000]  (npm run build first; Redis on 127.0.0.1:6379)');
  process.exit(0);
}
const size = /^([1-9][0-9]{0,4})x([1-9][0-9]{0,4})$/.exec(values.size!);
if (!size) throw new Error(`--size takes WIDTHxHEIGHT, got ${JSON.stringify(values.size)}`);
const [width, height] = [Number(size[1]), Number(size[2])];
const prefix = `imgflow-bench-uploads-${process.pid}`;
const uploadDir = mkdtempSync(join(tmpdir(), 'imgflow-bench-uploads-'));

const photo = await photoLikeJpeg(width, height);
/** The photo with a COM segment after SOI: same pixels, other bytes, so another upload id. */
function distinct(n: number): Buffer {
  const text = Buffer.from(`imgflow bench upload ${process.pid}.${n}`);
  const com = Buffer.alloc(4);
  com.writeUInt16BE(0xfffe, 0);
  com.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([photo.subarray(0, 2), com, text, photo.subarray(2)]);
}

const env = {
  IMGFLOW_REDIS_URL: 'redis://127.0.0.1:6379', IMGFLOW_REDIS_PREFIX: prefix, IMGFLOW_UPLOAD_STORE: 'disk', IMGFLOW_UPLOAD_DIR: uploadDir,
  IMGFLOW_LOG_LEVEL: 'warn', IMGFLOW_JOB_TIMEOUT_MS: '600000', IMGFLOW_GPU: 'cpu',
};
const server = await startServer({ env });
const workers: ChildProcess[] = [];
// Stopped from outside (timeout, ^C): the server and workers must not outlive the bench.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.process.kill('SIGTERM');
    for (const w of workers) w.kill('SIGTERM');
    rmSync(uploadDir, { recursive: true, force: true });
    process.exit(130);
  });
}

for (let i = 0; i < Number(values.workers); i++) {
  workers.push(await startWorker('uploads', env));
}


/** POST (answered at once, 202), then the job polled every 100 ms until the manifest has the 4 variants. */
async function upload(n: number): Promise<number> {
  const body = distinct(n);
  const t0 = performance.now();
  const res = await fetch(`${server.base}/uploads`, { method: 'POST', body: new Uint8Array(body), headers: { prefer: 'respond-async' } });
  const answer = await res.json() as { id: string };
  if (res.status !== 202) throw new Error(`upload ${n}: HTTP ${res.status} ${JSON.stringify(answer).slice(0, 300)}`);
  const job = `${server.base}${res.headers.get('location')}`;
  for (;;) {
    const status = await (await fetch(job)).json() as { state: string; error?: unknown };
    if (status.state === 'failed') throw new Error(`upload ${n}: job failed ${JSON.stringify(status.error)}`);
    if (status.state === 'succeeded') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const manifest = await (await fetch(`${server.base}/uploads/${answer.id}`)).json() as { variants: Record<string, unknown> };
  if (Object.keys(manifest.variants).length !== 4) throw new Error(`upload ${n}: ${Object.keys(manifest.variants).length} variants`);
  return performance.now() - t0;
}

try {
  // Warm-up: graphs compiled, sharp and the workers' first job done.
  await upload(-1);
  const n = Number(values.uploads);
  const parallel = Number(values.parallel);
  const load0 = loadavg()[0];
  const times: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < n) times.push(await upload(next++));
  }));
  const seconds = (performance.now() - t0) / 1000;
  console.log(`${values.workers} worker${values.workers === '1' ? '' : 's'} (concurrency 1 each): ${n} uploads of a ${(photo.length / 1e6).toFixed(2)} MB ${width}x${height} JPEG, ${parallel} at a time`);
  console.log(`  upload -> 4 variants ready: p50 ${(pct(times, 50) / 1000).toFixed(2)} s, p99 ${(pct(times, 99) / 1000).toFixed(2)} s, throughput ${(n / seconds * 60).toFixed(1)} uploads/min (${seconds.toFixed(1)} s)`);
  console.log(`  load average at start ${load0.toFixed(2)}, at end ${loadavg()[0].toFixed(2)}`);
} finally {
  server.process.kill('SIGTERM');
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
  const q = new Queue('x', { connection: { host: '127.0.0.1', port: 6379 }, prefix });
  const client = (await q.client) as unknown as { keys(p: string): Promise<string[]>; del(...k: string[]): Promise<number> };
  const keys = await client.keys(`${prefix}:*`);
  if (keys.length) await client.del(...keys);
  await q.close();
  rmSync(uploadDir, { recursive: true, force: true });
}
