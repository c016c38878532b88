/**
 * Jobs under a burst (issue 10): 200 requests at once, half for a queued graph and half for an
 * inline one, each on its own input, served by the embedded engine or by 1 or 2 worker
 * processes over Redis. Reports queued-job latency p50/p99 and throughput, and the inline
 * requests' p99 during the burst. `--deepdream`: 4 DeepDream jobs at once while thumbnails of
 * other inputs are requested two at a time; reports the thumbnails' p99.
 *
 *   node --import tsx bench/jobs.ts --engine embedded|redis [--workers 1|2] [--deepdream]
 *
 * The queued graph is `gaussianblur` (std-dev 20 on a 1024x768 JPEG), made a job on `heavy` by
 * IMGFLOW_JOB_CLASSES; the inline one is `thumbnail` (150x150). Needs Redis on 127.0.0.1:6379
 * for --engine redis; keys go under a fresh prefix, deleted at the end.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import sharp from 'sharp';
import { startOrigin, startServer } from './lib/resize-rig.ts';
import { percentile as pct, startWorker } from './lib/queue-rig.ts';

const { values } = parseArgs({ options: { engine: { type: 'string', default: 'embedded' }, workers: { type: 'string', default: '1' }, deepdream: { type: 'boolean', default: false }, jobs: { type: 'string', default: '100' } } });
const redis = values.engine === 'redis';
const prefix = `imgflow-bench-${process.pid}`;
const cacheDir = mkdtempSync(join(tmpdir(), 'imgflow-bench-jobs-'));

function noise(width: number, height: number): Buffer {
  const buf = Buffer.alloc(width * height * 3);
  let s = 1;
  for (let i = 0; i < buf.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    buf[i] = ((i % (width * 3)) * 200 / (width * 3) + ((s >>> 16) % 48)) & 255;
  }
  return buf;
}
const jpeg = await sharp(noise(1024, 768), { raw: { width: 1024, height: 768, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
const origin = await startOrigin(jpeg);
const input = (kind: string, n: number) => encodeURIComponent(`http://127.0.0.1:${origin.port}/${kind}/${n}.jpg?run=${process.pid}`);

const env = {
  IMGFLOW_CACHE_STORE: 'disk', IMGFLOW_CACHE_DIR: cacheDir, IMGFLOW_JOB_CLASSES: 'gaussianblur=heavy', IMGFLOW_JOB_WAIT_SECONDS: '600',
  IMGFLOW_JOB_CONCURRENCY: '1', IMGFLOW_JOB_MAX_QUEUED: '10000', IMGFLOW_MAX_QUEUE: '10000', IMGFLOW_LOG_LEVEL: 'warn', IMGFLOW_DEEPDREAM_BACKEND: 'cpu',
  IMGFLOW_ALLOW_PRIVATE_SOURCES: '1', IMGFLOW_JOB_TIMEOUT_MS: '600000',
  ...(redis ? { IMGFLOW_REDIS_URL: 'redis://127.0.0.1:6379', IMGFLOW_REDIS_PREFIX: prefix } : {}),
};
const server = await startServer({ env });
const workers: ChildProcess[] = [];
if (redis) {
  for (let i = 0; i < Number(values.workers); i++) {
    workers.push(await startWorker('heavy,deepdream', env));
  }
}

async function timed(url: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
  return performance.now() - t0;
}
const jobUrl = (n: number) => `${server.base}/graph/gaussianblur.jpg?std-dev-x=20&std-dev-y=20&input=${input('job', n)}`;
const thumbUrl = (n: number) => `${server.base}/graph/thumbnail.jpg?input=${input('thumb', n)}`;

try {
  // Warm-up: both graphs compiled and run once, kernels and workers loaded.
  await Promise.all([timed(jobUrl(-1)), timed(thumbUrl(-1)), timed(jobUrl(-2)), timed(thumbUrl(-2))]);
  const label = redis ? `redis, ${values.workers} worker${values.workers === '1' ? '' : 's'} (concurrency 1 each)` : 'embedded (IMGFLOW_JOB_CONCURRENCY=1)';
  if (!values.deepdream) {
    const n = Number(values.jobs);
    const t0 = performance.now();
    let lastJob = 0;
    const jobs = Array.from({ length: n }, (_, i) => timed(jobUrl(i)).then((ms) => { lastJob = performance.now(); return ms; }));
    const inline = Array.from({ length: n }, (_, i) => timed(thumbUrl(i)));
    const [jobMs, inlineMs] = await Promise.all([Promise.all(jobs), Promise.all(inline)]);
    const seconds = (lastJob - t0) / 1000;
    console.log(`${label}: ${n} queued + ${n} inline at once`);
    console.log(`  queued jobs: p50 ${(pct(jobMs, 50) / 1000).toFixed(2)} s, p99 ${(pct(jobMs, 99) / 1000).toFixed(2)} s, throughput ${(n / seconds).toFixed(2)} jobs/s (${seconds.toFixed(1)} s)`);
    console.log(`  inline during the burst: p50 ${pct(inlineMs, 50).toFixed(0)} ms, p99 ${pct(inlineMs, 99).toFixed(0)} ms`);
  } else {
    const dreams = Array.from({ length: 4 }, (_, i) => timed(`${server.base}/graph/deepdream.jpg?width=256&octaves=2&iterations=5&layer=mixed3&input=${input('dream', i)}`));
    let done = false;
    void Promise.all(dreams).then(() => { done = true; });
    const thumbs: number[] = [];
    let k = 0;
    const lane = async () => { while (!done) thumbs.push(await timed(thumbUrl(1000 + k++))); };
    const t0 = performance.now();
    await Promise.all([lane(), lane(), ...dreams]);
    console.log(`${label}: 4 DeepDream jobs (256 px, 2 octaves x 5 iterations, mixed3) took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    console.log(`  thumbnails meanwhile (2 at a time): ${thumbs.length}, p50 ${pct(thumbs, 50).toFixed(0)} ms, p99 ${pct(thumbs, 99).toFixed(0)} ms, max ${Math.max(...thumbs).toFixed(0)} ms`);
  }
} finally {
  server.process.kill('SIGTERM');
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
  origin.close();
  if (redis) {
    const q = new Queue('x', { connection: { host: '127.0.0.1', port: 6379 }, prefix });
    const client = (await q.client) as unknown as { keys(p: string): Promise<string[]>; del(...k: string[]): Promise<number> };
    const keys = await client.keys(`${prefix}:*`);
    if (keys.length) await client.del(...keys);
    await q.close();
  }
  rmSync(cacheDir, { recursive: true, force: true });
}
