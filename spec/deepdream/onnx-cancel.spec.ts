/**
 * The onnx engine in compute threads, aborted mid-dream. Terminating a thread (or destroying the
 * pool, or exiting) while onnxruntime-node runs a session aborts the whole process ("terminate
 * called after throwing an instance of 'Napi::Error'"): here a time limit, a client that leaves and
 * a shutdown (server, and a Redis worker process) each stop a real dream between steps; the process lives on (or exits with its normal
 * code), the caller gets its coded error, and the next dream works.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRuntime, type ImgflowError } from '../../runtime/index.ts';
import { cacheKey, type CacheParamValue } from '../../server/cache/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig, workClassOptions } from '../../server/config.ts';
import { createImageCache } from '../../server/image-cache.ts';
import { jobIdFor } from '../../server/jobs/job-id.ts';
import { runJob } from '../../server/jobs/run-job.ts';
import type { JobSpec } from '../../server/jobs/types.ts';
import { RESERVED_PARAMS } from '../../server/process-request.ts';
import { sourceIdentity } from '../../server/source.ts';
import { testPng } from '../_helpers/images.ts';
import { deletePrefix, REDIS_URL, spawnWorker } from '../server/jobs/_processes.ts';

const log = { info() {}, warn() {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ServerProcess {
  proc: ChildProcess;
  base: string;
  stderr: () => string;
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
}

/**
 * `server/main.ts` in its own process, on a free port, with one compute thread and DeepDream's
 * default engine (IMGFLOW_DEEPDREAM_BACKEND unset: auto, which is cpu without a GPU).
 */
async function startServer(env: Record<string, string>, nodeArgs: string[] = []): Promise<ServerProcess> {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env, PORT: '0', IMGFLOW_HOST: '127.0.0.1', IMGFLOW_CACHE_STORE: 'none', IMGFLOW_LOG_LEVEL: 'info',
    IMGFLOW_COMPUTE_THREADS: '1', IMGFLOW_DEEPDREAM_THREADS: '1', ...env,
  };
  for (const name of ['IMGFLOW_KEY', 'IMGFLOW_SECRET', 'IMGFLOW_APPS_FILE', 'IMGFLOW_REDIS_URL', 'IMGFLOW_RUNTIME_SECRET', 'IMGFLOW_RUNTIME_READ_SECRET', 'IMGFLOW_DEEPDREAM_BACKEND']) delete childEnv[name];
  const proc = spawn(process.execPath, ['--import', 'tsx', ...nodeArgs, fileURLToPath(new URL('../../server/main.ts', import.meta.url))], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  const lines: Record<string, unknown>[] = [];
  proc.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  const base = await new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (d) => {
      out += d;
      let nl;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          lines.push(entry);
          const at = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(String(entry.msg));
          if (at) resolve(at[1]);
        } catch { /* not a log line */ }
      }
    });
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening: ${err.slice(-2000)}`)));
  });
  return { proc, base, stderr: () => err, lines, exited };
}

interface Health {
  status: string;
  compute: { running: number; engines?: Record<string, { engine: string; fallbackReason?: string; requested: string }> };
  jobs: { compute?: Health['compute'] };
}

async function health(base: string): Promise<Health> {
  return (await fetch(`${base}/healthz`)).json() as Promise<Health>;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('deepdream onnx engine: aborted mid-dream in a compute thread, the process survives', function () {
  this.timeout(120_000);
  // 100 steps at 192 px take about 5-15 s with onnx: every abort below lands mid-dream.
  const long = 'layer=mixed3&octaves=1&iterations=100';

  it('time limit: the job fails with IMGFLOW_ERR_PROCESSING_TIMEOUT between steps; the next dream on the same thread works', async () => {
    const before = process.env.IMGFLOW_DEEPDREAM_BACKEND;
    process.env.IMGFLOW_DEEPDREAM_BACKEND = 'cpu'; // onnx here; compute threads copy the environment when they start
    const runtime = await createRuntime({ graphsDir: 'graphs', watch: false, computeThreads: 1 });
    try {
      const config = loadConfig({ graphsDir: 'graphs', cacheStore: 'none', logLevel: 'silent' }, {});
      const limited = { ...config, jobTimeoutMs: 3000 };
      const specFor = async (query: Record<string, string>, size: number, seed: number): Promise<JobSpec> => {
        const prepared = runtime.prepare('deepdream', query, RESERVED_PARAMS);
        const body = await testPng(size, size, 3, seed);
        const key = cacheKey({ graphName: 'deepdream', graphRevision: prepared.revision, params: prepared.params as Record<string, CacheParamValue>, inputIdentity: sourceIdentity(undefined, body), format: 'png' });
        return { id: jobIdFor('deepdream', key, {}), queue: 'deepdream', key, graph: 'deepdream', revision: prepared.revision, query, params: prepared.params, body: body.toString('base64'), format: 'png', url: '/graph/deepdream.png', createdAt: Date.now() };
      };
      const imageCache = createImageCache(config);
      // One step per octave first: the thread, the weights and the three sessions are ready, so
      // the time limit below falls among steps (nearly always inside session.run).
      expect((await runJob({ runtime, config, imageCache, log }, await specFor({ iterations: '1', octaves: '3', layer: 'mixed3' }, 300, 3))).evaluated).to.equal(true);
      // 300 steps up to 300 px: 15-30 s here, cut at 3 s.
      let steps = 0;
      const t0 = Date.now();
      const err = await runJob({ runtime, config: limited, imageCache, log }, await specFor({ iterations: '100', octaves: '3', layer: 'mixed3' }, 300, 1), {
        onProgress: (_f, d) => { if (typeof d.iteration === 'number') steps++; },
      }).then(() => undefined, (e: ImgflowError) => e);
      expect(err?.code).to.equal('IMGFLOW_ERR_PROCESSING_TIMEOUT');
      expect(steps, 'it was stopped mid-dream, after some steps').to.be.within(1, 299);
      expect(Date.now() - t0).to.be.lessThan(10_000);
      expect(runtime.compute?.stats().running).to.equal(0, 'the thread handed the task back');
      // The thread was not terminated: the next dream runs on it (the crash, when there was one,
      // came as the cut-off step ended, taking this process with it).
      let after = 0;
      const ok = await runJob({ runtime, config, imageCache, log }, await specFor({ iterations: '2', octaves: '1', layer: 'mixed3' }, 160, 2), {
        onProgress: (_f, d) => { if (typeof d.iteration === 'number') after++; },
      });
      expect(ok.evaluated).to.equal(true);
      expect(after).to.equal(2);
    } finally {
      if (before === undefined) delete process.env.IMGFLOW_DEEPDREAM_BACKEND;
      else process.env.IMGFLOW_DEEPDREAM_BACKEND = before;
      await runtime.close();
    }
  });

  describe('a real server process', () => {
    let png: Buffer;
    before(async () => { png = await testPng(192, 192, 3, 7); });

    it('client gone (HTTP request closed mid-dream): the dream stops at its next step, the server lives, the next dream works', async () => {
      const server = await startServer({ IMGFLOW_JOB_CLASSES: 'deepdream=inline' });
      try {
        // One short dream first: the thread, the weights and the 192 px session are ready, so the
        // long dream below is in its steps (nearly always inside session.run) when the client leaves.
        const warm = await fetch(`${server.base}/graph/deepdream.png?layer=mixed3&octaves=1&iterations=1`, { method: 'POST', body: new Uint8Array(png) });
        expect(warm.status).to.equal(200);
        await warm.arrayBuffer();
        const engine = (await health(server.base)).compute.engines?.deepdream;
        expect(engine?.engine, 'the default engine').to.match(/^onnxruntime-node \d+\.\d+\.\d+ \(MLAS/);
        expect(engine?.fallbackReason).to.equal(undefined);
        expect(server.lines.find((l) => l.op === 'deepdream')?.msg).to.match(/^deepdream runs on onnxruntime-node/);
        const gone = new AbortController();
        const request = fetch(`${server.base}/graph/deepdream.png?${long}`, { method: 'POST', body: new Uint8Array(png), signal: gone.signal }).then(() => 'answered', (e: Error) => e.name);
        await until('the dream to start', async () => ((await health(server.base)).compute.running > 0 ? true : undefined));
        await sleep(1500);
        gone.abort();
        expect(await request).to.equal('AbortError');
        const left = Date.now();
        await until('the thread to hand the dream back', async () => ((await health(server.base)).compute.running === 0 ? true : undefined), 30_000);
        // A step at 192 px takes well under a second; the remaining ~90 steps would take several.
        expect(Date.now() - left).to.be.lessThan(4000);
        const refused = server.lines.find((l) => l.msg === 'request refused');
        expect(refused?.code).to.equal('IMGFLOW_ERR_CLIENT_CLOSED');
        expect(refused?.status).to.equal(499);
        const next = await fetch(`${server.base}/graph/deepdream.png?layer=mixed3&octaves=1&iterations=2`, { method: 'POST', body: new Uint8Array(png) });
        expect(next.status, await next.clone().text().catch(() => '')).to.equal(200);
        expect(next.headers.get('content-type')).to.equal('image/png');
        expect(server.proc.exitCode).to.equal(null, 'still running');
        expect(server.stderr()).to.not.contain('terminate called');
      } finally {
        server.proc.kill('SIGTERM');
        expect(await server.exited).to.equal(0);
      }
    });

    it('shutdown (SIGTERM) mid-dream: the job stops at its next step and the process exits with code 0', async () => {
      const server = await startServer({});
      const res = await fetch(`${server.base}/graph/deepdream.png?${long}`, { method: 'POST', body: new Uint8Array(png), headers: { prefer: 'respond-async' } });
      expect(res.status).to.equal(202);
      const location = res.headers.get('location')!;
      const running = await until('steps to run', async () => {
        const s = await (await fetch(`${server.base}${location}`)).json() as { state: string; progress: number; stage?: Record<string, unknown> };
        return s.state === 'processing' && s.progress > 0 ? s : undefined;
      });
      // The job record follows the dream step by step, with an ETA from the measured steps.
      expect(running.stage).to.include({ node: 'dream', octave: 1 });
      expect(running.stage?.iteration).to.be.a('number').and.be.at.least(1);
      expect(running.stage?.eta).to.be.a('number').and.be.above(0);
      const t0 = Date.now();
      server.proc.kill('SIGTERM');
      const code = await server.exited;
      expect(server.stderr()).to.not.contain('terminate called');
      expect(code).to.equal(0);
      // Against the dream's own ETA (from its measured steps), so a loaded machine, where every
      // step and the exit are slower, does not fail it: the rest of the dream is ~99 steps.
      const rest = (running.stage!.eta as number) * 1000;
      expect(Date.now() - t0, `stopped at the next step, not at the end of the dream (ETA ${Math.round(rest)} ms)`).to.be.lessThan(Math.max(5000, rest / 4));
    });

    it('without onnxruntime-node, cpu dreams on tfjs-wasm: a warn line and /healthz say why', async () => {
      const server = await startServer({ IMGFLOW_JOB_CLASSES: 'deepdream=inline' }, ['--import', fileURLToPath(new URL('./without-onnx.mjs', import.meta.url))]);
      try {
        const res = await fetch(`${server.base}/graph/deepdream.png?layer=mixed0&octaves=1&iterations=1`, { method: 'POST', body: new Uint8Array(png) });
        expect(res.status, await res.clone().text()).to.equal(200);
        const engine = (await health(server.base)).compute.engines?.deepdream;
        expect(engine?.requested).to.equal('auto');
        expect(engine?.engine).to.match(/^tfjs-core \d+\.\d+\.\d+ on wasm/);
        expect(engine?.fallbackReason).to.contain('onnxruntime-node').and.contain('did not load');
        const line = server.lines.find((l) => l.op === 'deepdream');
        expect(line?.level).to.equal(40, 'logged at warn');
        expect(line?.msg).to.match(/^deepdream falls back to tfjs-core .* on wasm.*: The onnx DeepDream backend needs onnxruntime-node \(an optional dependency\) and it did not load/);
      } finally {
        server.proc.kill('SIGTERM');
        expect(await server.exited).to.equal(0);
      }
    });
  });

  it('worker process (Redis jobs) stopped mid-dream: past its shutdown deadline the job is handed back at the next step, exit code 0', async () => {
    const prefix = `imgflow-spec-onnx-cancel-${process.pid}-${Date.now()}`;
    const cacheDir = await mkdtemp(join(tmpdir(), 'imgflow-onnx-cancel-'));
    const config = loadConfig({ graphsDir: 'graphs', cacheDir, logLevel: 'silent', redisUrl: REDIS_URL, redisPrefix: prefix }, {});
    const runtime = await createRuntime({ graphsDir: 'graphs', watch: false, workClasses: workClassOptions(config) });
    const app = await buildApp(config, { runtime });
    const env: Record<string, string> = {
      IMGFLOW_REDIS_URL: REDIS_URL, IMGFLOW_REDIS_PREFIX: prefix, IMGFLOW_GRAPHS_DIR: 'graphs', IMGFLOW_CACHE_DIR: cacheDir,
      IMGFLOW_WORKER_METRICS_PORT: '0', IMGFLOW_HOST: '127.0.0.1', IMGFLOW_LOG_LEVEL: 'info', IMGFLOW_WORKER_SHUTDOWN_SECONDS: '1',
      IMGFLOW_COMPUTE_THREADS: '1', IMGFLOW_DEEPDREAM_THREADS: '1',
    };
    const worker = spawnWorker(env, ['--queues', 'deepdream', '--concurrency', '1']);
    let stderr = '';
    worker.proc.stderr!.on('data', (d) => (stderr += d));
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      await worker.ready;
      const res = await fetch(`${base}/graph/deepdream.png?layer=mixed3&octaves=1&iterations=100`, { method: 'POST', body: new Uint8Array(await testPng(192, 192, 3, 9)), headers: { prefer: 'respond-async' } });
      expect(res.status).to.equal(202);
      const location = res.headers.get('location')!;
      await until('steps to run', async () => {
        const st = await (await fetch(`${base}${location}`)).json() as { state: string; progress: number };
        return st.state === 'processing' && st.progress > 0 ? st : undefined;
      });
      const t0 = Date.now();
      worker.proc.kill('SIGTERM');
      expect(await worker.exited).to.equal(0);
      expect(stderr).to.not.contain('terminate called');
      // 1 s of grace, then the abort, a step, the pool's close: far less than the rest of the dream.
      expect(Date.now() - t0).to.be.lessThan(8000);
      expect(worker.lines('worker stopped')[0]).to.include({ handedBack: 1, succeeded: 0 });
    } finally {
      if (worker.proc.exitCode === null) worker.proc.kill('SIGKILL');
      await app.close();
      await runtime.close();
      await deletePrefix(prefix);
      await rm(cacheDir, { recursive: true, force: true });
    }
  });
});
