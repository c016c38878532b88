/**
 * Autoscaling: a burst of 200 jobs on the real Redis (127.0.0.1:6379), served once by the
 * autoscaler (guv's model, local worker processes) starting from no worker (min 0) and from one
 * always-on worker (min 1), and once by a fixed single worker.
 *
 *   node --import tsx bench/autoscale.ts [--jobs 200] [--job-ms 1000] [--deadline 60] [--max 8]
 *
 * Each job is a job-class graph (three gammas on a 64x64 PNG) whose input takes --job-ms to
 * arrive from a local origin: a job of about a second that barely uses this machine's CPU, so
 * the figures show the queue and the scaling, not core contention. The web app (in this
 * process) queues the burst with Prefer: respond-async; `imgflow worker` processes consume it.
 * Prints time to drain, queued-to-done p50/p99 against the deadline and worker-seconds, writes
 * bench/out/autoscale.json and the chart bench/autoscale.png. Not part of npm test.
 */
import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createRuntime } from '../runtime/index.ts';
import { createLocalProcessActuator, type LocalProcessActuator, type WorkerExit } from '../server/autoscale/actuators/local-processes.ts';
import { parseAutoscaleConfig } from '../server/autoscale/config.ts';
import { startAutoscale } from '../server/autoscale/index.ts';
import { buildApp } from '../server/app.ts';
import { loadConfig, workClassOptions } from '../server/config.ts';
import { outDir, root } from './lib/resize-rig.ts';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '200' },
    'job-ms': { type: 'string', default: '1000' },
    deadline: { type: 'string', default: '60' },
    max: { type: 'string', default: '8' },
  },
});
const JOBS = Number(values.jobs);
const JOB_MS = Number(values['job-ms']);
const DEADLINE = Number(values.deadline);
const MAX = Number(values.max);
const HISTORY = 30;
const REDIS = { host: '127.0.0.1', port: 6379 };

const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 90, g: 140, b: 200 } } }).png().toBuffer();
const origin = createServer((req, res) => {
  setTimeout(() => res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length }).end(png), JOB_MS);
});
await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
const originBase = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;

const graphs = mkdtempSync(join(tmpdir(), 'imgflow-bench-autoscale-graphs-'));
writeFileSync(join(graphs, 'benchjob.json'), JSON.stringify({
  properties: { description: 'three gammas, as a job on the bench queue', imgflow: { class: 'job', queue: 'bench' } },
  inports: { input: { process: 'a', port: 'input' } },
  outports: { output: { process: 'c', port: 'output' } },
  processes: { a: { component: 'imgflow/gamma' }, b: { component: 'imgflow/gamma' }, c: { component: 'imgflow/gamma' } },
  connections: [
    { data: 1.2, tgt: { process: 'a', port: 'value' } }, { data: 1.3, tgt: { process: 'b', port: 'value' } }, { data: 1.4, tgt: { process: 'c', port: 'value' } },
    { src: { process: 'a', port: 'output' }, tgt: { process: 'b', port: 'input' } }, { src: { process: 'b', port: 'output' }, tgt: { process: 'c', port: 'input' } },
  ],
}));

interface Sample { t: number; workers: number; depth: number }
interface RunResult {
  mode: string;
  drainSeconds: number;
  queuedToDone: { p50: number; p99: number; max: number };
  overDeadline: number;
  peakWorkers: number;
  workerSeconds: number;
  /** The autoscaler's decisions that changed the pool (seconds from the burst). */
  decisions: Array<Record<string, unknown>>;
  /** Autoscaled: when the pool was back to its minimum (after the scale-down window). */
  settledSeconds?: number;
  samples: Sample[];
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function run(mode: 'autoscaled-min0' | 'autoscaled-min1' | 'fixed-1'): Promise<RunResult> {
  const min = mode === 'autoscaled-min1' ? 1 : 0;
  const prefix = `imgflow-bench-autoscale-${randomBytes(4).toString('hex')}`;
  const cacheDir = mkdtempSync(join(tmpdir(), 'imgflow-bench-autoscale-cache-'));
  const config = loadConfig({ graphsDir: graphs, cacheDir, logLevel: 'silent', allowPrivateSources: true, redisUrl: 'redis://127.0.0.1:6379', redisPrefix: prefix, jobWaitSeconds: 0 }, {});
  const runtime = await createRuntime({ graphsDir: graphs, watch: false, workClasses: workClassOptions(config) });
  const app = await buildApp(config, { runtime });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const queue = new Queue('bench', { connection: REDIS, prefix });
  const env = {
    IMGFLOW_REDIS_URL: 'redis://127.0.0.1:6379', IMGFLOW_REDIS_PREFIX: prefix, IMGFLOW_GRAPHS_DIR: graphs, IMGFLOW_CACHE_DIR: cacheDir,
    IMGFLOW_ALLOW_PRIVATE_SOURCES: '1', IMGFLOW_HOST: '127.0.0.1', IMGFLOW_GPU: 'cpu', IMGFLOW_LOG_LEVEL: 'warn',
  };
  const decisions: Array<Record<string, unknown>> = [];
  let tDecision = performance.now();
  const quiet = {
    info(obj: object, msg: string) {
      const o = obj as Record<string, unknown> & { processing?: { mean: number; source: string } };
      if (msg.startsWith('autoscale ')) decisions.push({ t: Math.round((performance.now() - tDecision) / 100) / 10, jobs: o.jobs, processing: o.processing && { mean: Math.round(o.processing.mean * 1000) / 1000, source: o.processing.source }, estimate: o.estimate, desired: o.desired });
    },
    warn(obj: object, msg: string) { console.error(msg, JSON.stringify(obj)); },
    debug() {},
  };
  const scale = parseAutoscaleConfig(`
'*': {actuator: local, pollinterval: 2, history: ${HISTORY}, min: ${min}, max: ${MAX}, host: 127.0.0.1, port: 0}
bench: {processing: ${JOB_MS / 1000}, deadline: ${DEADLINE}, concurrency: 1}
`);
  let actuator: LocalProcessActuator;
  let close: () => Promise<void>;
  if (mode !== 'fixed-1') {
    const running = await startAutoscale({ config: scale, redis: REDIS, prefix, log: quiet, version: 'bench', local: { env, stdio: 'ignore' } });
    actuator = running.actuator as LocalProcessActuator;
    close = () => running.close();
  } else {
    actuator = createLocalProcessActuator({ env, stdio: 'ignore', stopTimeoutMs: 60_000, restartDelayMs: 1000, log: quiet });
    await actuator.scale(scale.roles[0], 1);
    close = () => actuator.close();
  }
  // An always-on worker (the baseline's, min 1's) is ready before the burst.
  if (mode !== 'autoscaled-min0') while ((await queue.getWorkersCount()) < 1) await new Promise((r) => setTimeout(r, 100));
  const t0 = performance.now();
  tDecision = t0;
  const started = new Map<number, number>();
  const lifetimes: number[] = [];
  // A worker already running counts from the burst on.
  for (const pid of actuator.pids('bench')) started.set(pid, 0);
  actuator.events.on('spawn', ({ pid }: { pid: number }) => started.set(pid, performance.now() - t0));
  actuator.events.on('exit', (e: WorkerExit) => {
    if (!started.has(e.pid)) return; // already counted (the fixed worker, up to the drain)
    lifetimes.push(performance.now() - t0 - started.get(e.pid)!);
    started.delete(e.pid);
  });

  const samples: Sample[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const c = await queue.getJobCounts('waiting', 'active');
      samples.push({ t: (performance.now() - t0) / 1000, workers: actuator.pids('bench').length, depth: (c.waiting ?? 0) + (c.active ?? 0) });
      await new Promise((r) => setTimeout(r, 500));
    }
  })();

  // The burst: every request queues a job and is answered 202 at once.
  const statuses = await Promise.all(Array.from({ length: JOBS }, async (_, i) => {
    const input = `${originBase}/in.png?run=${prefix}&i=${i}`;
    const res = await fetch(`${base}/graph/benchjob.png?input=${encodeURIComponent(input)}`, { headers: { prefer: 'respond-async' } });
    await res.arrayBuffer();
    return res.status;
  }));
  if (statuses.some((s) => s !== 202)) throw new Error(`burst: statuses ${[...new Set(statuses)].join(', ')}`);
  while ((await queue.getJobCounts('completed')).completed < JOBS) await new Promise((r) => setTimeout(r, 200));
  const drainSeconds = (performance.now() - t0) / 1000;
  const done = await queue.getJobs(['completed'], 0, JOBS);
  const waits = done.map((j) => (j.finishedOn! - j.timestamp) / 1000).sort((a, b) => a - b);

  let settledSeconds: number | undefined;
  if (mode !== 'fixed-1') {
    // Worker-seconds include the idle scale-down window: what the workers really cost.
    while (actuator.pids('bench').length > min || started.size > min) await new Promise((r) => setTimeout(r, 200));
    settledSeconds = (performance.now() - t0) / 1000;
  }
  // Workers that keep running (the fixed one, the minimum) count up to the drain or the settling.
  for (const at of started.values()) lifetimes.push((settledSeconds ?? drainSeconds) * 1000 - at);
  started.clear();
  sampling = false;
  await sampler;
  await close();
  await app.close();
  runtime.close();
  const client = (await queue.client) as unknown as { keys(p: string): Promise<string[]>; del(...k: string[]): Promise<number> };
  const keys = await client.keys(`${prefix}:*`);
  for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
  await queue.close();
  rmSync(cacheDir, { recursive: true, force: true });
  return {
    mode, drainSeconds,
    queuedToDone: { p50: pct(waits, 50), p99: pct(waits, 99), max: waits[waits.length - 1] },
    overDeadline: waits.filter((w) => w > DEADLINE).length,
    peakWorkers: Math.max(...samples.map((s) => s.workers)),
    workerSeconds: lifetimes.reduce((a, b) => a + b, 0) / 1000,
    ...(settledSeconds !== undefined ? { settledSeconds } : {}),
    decisions,
    samples,
  };
}

const results: RunResult[] = [];
for (const mode of ['autoscaled-min0', 'autoscaled-min1', 'fixed-1'] as const) {
  const r = await run(mode);
  results.push(r);
  for (const d of r.decisions) console.log(`  ${JSON.stringify(d)}`);
  console.log(`${mode}: drained ${r.drainSeconds.toFixed(1)} s; queued-to-done p50 ${r.queuedToDone.p50.toFixed(1)} s, p99 ${r.queuedToDone.p99.toFixed(1)} s (deadline ${DEADLINE} s, ${r.overDeadline} of ${JOBS} over); peak ${r.peakWorkers} workers; ${r.workerSeconds.toFixed(0)} worker-seconds${r.settledSeconds ? `; back to the minimum at ${r.settledSeconds.toFixed(1)} s` : ''}`);
}
origin.close();
rmSync(graphs, { recursive: true, force: true });
writeFileSync(`${outDir}/autoscale.json`, JSON.stringify({ jobs: JOBS, jobMs: JOB_MS, deadline: DEADLINE, max: MAX, history: HISTORY, results }, null, 1));

// The chart: workers and queue depth over time, one panel per run, as SVG rendered by sharp.
const W = 900, PANEL = 220, L = 60, R = 60, TOP = 40;
const H = TOP + 3 * PANEL + 40;
const span = Math.max(...results.flatMap((r) => r.samples.map((s) => s.t))) * 1.02;
const x = (t: number) => L + (t / span) * (W - L - R);
const panel = (r: RunResult, i: number) => {
  const y0 = TOP + i * PANEL + PANEL - 30;
  const yDepth = (d: number) => y0 - (d / JOBS) * (PANEL - 60);
  const yWorkers = (w: number) => y0 - (w / MAX) * (PANEL - 60);
  const steps = (pts: [number, number][]) => pts.map(([a, b], k) => (k === 0 ? `${a.toFixed(1)},${b.toFixed(1)}` : `${a.toFixed(1)},${pts[k - 1][1].toFixed(1)} ${a.toFixed(1)},${b.toFixed(1)}`)).join(' ');
  const deadlineX = x(DEADLINE);
  return `<text x="${L}" y="${y0 - PANEL + 48}" font-weight="bold">${r.mode}: drained in ${r.drainSeconds.toFixed(0)} s, p99 queued-to-done ${r.queuedToDone.p99.toFixed(0)} s, ${r.workerSeconds.toFixed(0)} worker-seconds</text>
<line x1="${L}" y1="${y0}" x2="${W - R}" y2="${y0}" stroke="black"/><line x1="${L}" y1="${y0 - PANEL + 60}" x2="${L}" y2="${y0}" stroke="black"/>
<line x1="${deadlineX}" y1="${y0 - PANEL + 60}" x2="${deadlineX}" y2="${y0}" stroke="#999" stroke-dasharray="4 3"/><text x="${deadlineX + 4}" y="${y0 - PANEL + 72}" fill="#777">deadline</text>
${[0, 0.5, 1].map((f) => `<text x="${L - 6}" y="${yDepth(f * JOBS) + 4}" text-anchor="end" fill="#2c6fbb">${(f * JOBS).toFixed(0)}</text>`).join('')}
${[...new Set([0, Math.round(MAX / 2), MAX])].map((w) => `<text x="${W - R + 6}" y="${yWorkers(w) + 4}" fill="#e67e22">${w}</text>`).join('')}
<polyline fill="none" stroke="#2c6fbb" stroke-width="1.5" points="${r.samples.map((s) => `${x(s.t).toFixed(1)},${yDepth(s.depth).toFixed(1)}`).join(' ')}"/>
<polyline fill="none" stroke="#e67e22" stroke-width="2" points="${steps(r.samples.map((s) => [x(s.t), yWorkers(s.workers)]))}"/>`;
};
const ticks = Array.from({ length: Math.floor(span / 30) + 1 }, (_, k) => `<text x="${x(k * 30)}" y="${H - 16}" text-anchor="middle">${k * 30} s</text>`).join('');
const chart = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${L}" y="20">imgflow autoscale: ${JOBS} jobs of ~${JOB_MS / 1000} s at once; queue depth (blue, waiting + active, left axis) and workers (orange, right axis)</text>
${results.map(panel).join('\n')}
${ticks}
</svg>`;
await sharp(Buffer.from(chart)).png().toFile(`${root}bench/autoscale.png`);
console.log('chart: bench/autoscale.png; samples: bench/out/autoscale.json');
