/**
 * The BullMQ engine against the real Redis on 127.0.0.1:6379: the web app (this process)
 * enqueues, worker processes spawned from bin/cli.ts consume; results come back through the
 * shared disk store. Each run uses its own key prefix and deletes it after.
 */
import { expect } from 'chai';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, type Runtime } from '../../../runtime/index.ts';
import { buildApp } from '../../../server/app.ts';
import { loadConfig, workClassOptions, type Config } from '../../../server/config.ts';
import { APP_KEY, APP_SECRET, graphsDir, startJobOrigin, until, type JobOrigin } from './_fixtures.ts';
import { inputFor, jobBehaviour, type JobHarness } from './_behaviour.ts';
import { deletePrefix, REDIS_URL, spawnWorker, startProxy, type WorkerProcess } from './_processes.ts';

interface Web { app: FastifyInstance; runtime: Runtime; base: string }

describe('jobs: BullMQ engine (real Redis, worker processes)', function () {
  this.timeout(30000);
  const prefix = `imgflow-spec-${process.pid}-${Date.now()}`;
  let origin: JobOrigin;
  let graphs: string;
  let cacheDir: string;
  let web: Web;
  const workers: WorkerProcess[] = [];
  const webs: Web[] = [];

  const settings = (): Partial<Config> => ({
    graphsDir: graphs, cacheDir, logLevel: 'silent', allowPrivateSources: true, appKey: APP_KEY, appSecret: APP_SECRET, allowUnsigned: true,
    redisUrl: REDIS_URL, redisPrefix: prefix, jobWaitSeconds: 10, jobBackoffMs: 50, callbackBackoffMs: 50,
  });
  const workerEnv = (): Record<string, string> => ({
    IMGFLOW_REDIS_URL: REDIS_URL, IMGFLOW_REDIS_PREFIX: prefix, IMGFLOW_GRAPHS_DIR: graphs, IMGFLOW_CACHE_DIR: cacheDir,
    IMGFLOW_ALLOW_PRIVATE_SOURCES: '1', IMGFLOW_KEY: APP_KEY, IMGFLOW_SECRET: APP_SECRET, IMGFLOW_JOB_LOCK_MS: '3000',
    IMGFLOW_JOB_BACKOFF_MS: '50', IMGFLOW_CALLBACK_BACKOFF_MS: '50', IMGFLOW_WORKER_METRICS_PORT: '0', IMGFLOW_HOST: '127.0.0.1',
    IMGFLOW_GPU: 'cpu', IMGFLOW_LOG_LEVEL: 'info', IMGFLOW_WORKER_HEALTH_LOG_SECONDS: '1',
  });
  const worker = async (queues: string, extraEnv: Record<string, string> = {}, concurrency = '2') => {
    const w = spawnWorker({ ...workerEnv(), ...extraEnv }, ['--queues', queues, '--concurrency', concurrency]);
    workers.push(w);
    await w.ready;
    return w;
  };
  const startWeb = async (overrides: Partial<Config> = {}): Promise<Web> => {
    const config = loadConfig({ ...settings(), ...overrides }, {});
    const runtime = await createRuntime({ graphsDir: graphs, watch: false, workClasses: workClassOptions(config) });
    const app = await buildApp(config, { runtime });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const w = { app, runtime, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
    webs.push(w);
    return w;
  };

  before(async () => {
    origin = await startJobOrigin();
    graphs = await graphsDir();
    cacheDir = await mkdtemp(join(tmpdir(), 'imgflow-jobs-cache-'));
    web = await startWeb();
    // Two worker processes share the test queue.
    await Promise.all([worker('testq'), worker('testq')]);
  });

  after(async () => {
    for (const w of workers) if (w.proc.exitCode === null) w.proc.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    for (const w of webs) {
      await w.app.close();
      await w.runtime.close();
    }
    await origin?.close();
    await deletePrefix(prefix);
    // A closing BullMQ connection can still write its queue's meta key just after: sweep again.
    await new Promise((r) => setTimeout(r, 500));
    await deletePrefix(prefix);
    await rm(graphs, { recursive: true, force: true });
    await rm(cacheDir, { recursive: true, force: true });
  });

  describe('behaviour shared with the embedded engine', () => {
    jobBehaviour((): JobHarness => ({ base: web.base, origin }));
  });

  it('web -> Redis -> a worker process -> disk store -> response: the worker evaluated and stored it, the web process did not', async () => {
    const input = inputFor(origin);
    const res = await fetch(`${web.base}/graph/jobby.png?input=${encodeURIComponent(input)}`, { headers: { prefer: 'respond-async' } });
    const id = res.headers.get('location')!.split('/').pop()!;
    const done = await fetch(`${web.base}/graph/jobby.png?input=${encodeURIComponent(input)}`);
    expect(done.status).to.equal(200);
    const stored = workers.flatMap((w) => w.lines('job stored')).filter((l) => l.job === id);
    expect(stored).to.have.length(1);
    expect(web.runtime.limiter.active + web.runtime.limiter.queued).to.equal(0);
  });

  it('a worker killed with SIGKILL mid-job: another worker completes it after the lock expires; the result is stored once', async () => {
    // A short lock, so the dead worker's job is noticed quickly (on a loaded machine a short
    // lock can also expire under a live worker: only this test's workers get one).
    const shortLock = { IMGFLOW_JOB_LOCK_MS: '1000' };
    const killer = await worker('killq', shortLock);
    const killGraph = join(graphs, 'killme.json');
    const { writeFile } = await import('node:fs/promises');
    const { JOB_GRAPH } = await import('./_fixtures.ts');
    await writeFile(killGraph, JSON.stringify({ ...JOB_GRAPH, properties: { imgflow: { class: 'job', queue: 'killq' } } }));
    // The web runtime and workers load graphs at start: a fresh web process sees the new one.
    const web2 = await startWeb();
    const input = inputFor(origin, '/img.png', '&ms=1500');
    const res = await fetch(`${web2.base}/graph/killme.png?input=${encodeURIComponent(input)}`, { headers: { prefer: 'respond-async' } });
    expect(res.status).to.equal(202);
    const location = res.headers.get('location')!;
    await until('the first worker to take the job', async () => {
      const s = await (await fetch(`${web2.base}${location}`)).json() as { state: string };
      return s.state === 'processing' ? s : undefined;
    });
    killer.proc.kill('SIGKILL');
    await killer.exited;
    const rescuer = await worker('killq', shortLock);
    const done = await until('the job to succeed on the second worker', async () => {
      const s = await (await fetch(`${web2.base}${location}`)).json() as { state: string; attempts: number };
      return s.state === 'succeeded' ? s : undefined;
    }, 20000);
    expect(done.state).to.equal('succeeded');
    const id = location.split('/').pop();
    expect(killer.lines('job stored').filter((l) => l.job === id)).to.have.length(0);
    expect(rescuer.lines('job stored').filter((l) => l.job === id)).to.have.length(1);
    expect(await readdir(join(cacheDir, 'killme'))).to.have.length(1);
    const image = await fetch(`${web2.base}/graph/killme.png?input=${encodeURIComponent(input)}`);
    expect(image.status).to.equal(200);
    expect(image.headers.get('x-cache')).to.equal('hit');
  });

  it('a worker reports health in its log and on its metrics port', async () => {
    const w = workers[0];
    const { metricsPort } = await w.ready;
    const health = await (await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).json() as Record<string, unknown>;
    expect(health).to.include({ status: 'ok', concurrency: 2 });
    expect(health.queues).to.deep.equal(['testq']);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).to.contain('bullmq_job_count{queue="testq"');
    const line = await until('a health line in the log', async () => w.lines('worker health')[0]);
    expect(line).to.include({ status: 'ok', concurrency: 2 });
  });

  it('SIGTERM within the shutdown deadline: the worker finishes its running job, then exits 0', async () => {
    const { writeFile } = await import('node:fs/promises');
    const { JOB_GRAPH } = await import('./_fixtures.ts');
    await writeFile(join(graphs, 'finishme.json'), JSON.stringify({ ...JOB_GRAPH, properties: { imgflow: { class: 'job', queue: 'finishq' } } }));
    const staying = await worker('finishq', { IMGFLOW_WORKER_SHUTDOWN_SECONDS: '20' });
    const webF = await startWeb();
    const input = inputFor(origin, '/img.png', '&ms=1500');
    const res = await fetch(`${webF.base}/graph/finishme.png?input=${encodeURIComponent(input)}`, { headers: { prefer: 'respond-async' } });
    const location = res.headers.get('location')!;
    await until('the worker to take the job', async () => {
      const s = await (await fetch(`${webF.base}${location}`)).json() as { state: string };
      return s.state === 'processing' ? s : undefined;
    });
    staying.proc.kill('SIGTERM');
    expect(await staying.exited).to.equal(0);
    const done = await (await fetch(`${webF.base}${location}`)).json() as { state: string };
    expect(done.state).to.equal('succeeded');
    expect(staying.lines('job stored').filter((l) => l.job === location.split('/').pop())).to.have.length(1);
  });

  it('SIGTERM past the shutdown deadline hands the running job back to the queue; the worker exits 0', async () => {
    const { writeFile } = await import('node:fs/promises');
    const { JOB_GRAPH } = await import('./_fixtures.ts');
    await writeFile(join(graphs, 'termme.json'), JSON.stringify({ ...JOB_GRAPH, properties: { imgflow: { class: 'job', queue: 'termq' } } }));
    const leaving = await worker('termq', { IMGFLOW_WORKER_SHUTDOWN_SECONDS: '0' });
    const web3 = await startWeb();
    const input = inputFor(origin, '/img.png', '&ms=1500');
    const res = await fetch(`${web3.base}/graph/termme.png?input=${encodeURIComponent(input)}`, { headers: { prefer: 'respond-async' } });
    const location = res.headers.get('location')!;
    await until('the worker to take the job', async () => {
      const s = await (await fetch(`${web3.base}${location}`)).json() as { state: string };
      return s.state === 'processing' ? s : undefined;
    });
    leaving.proc.kill('SIGTERM');
    expect(await leaving.exited).to.equal(0);
    const back = await (await fetch(`${web3.base}${location}`)).json() as { state: string; attempts: number };
    expect(back.state).to.equal('queued');
    await worker('termq');
    const res2 = await fetch(`${web3.base}/graph/termme.png?input=${encodeURIComponent(input)}`);
    expect(res2.status).to.equal(200);
  });

  it('Redis unreachable: inline graphs keep serving, job requests get a coded 503, and service resumes when Redis returns', async () => {
    const proxy = await startProxy();
    try {
      const webP = await startWeb({ redisUrl: proxy.url, redisTimeoutMs: 500 });
      const job = () => fetch(`${webP.base}/graph/jobby.png?input=${encodeURIComponent(inputFor(origin))}`);
      expect((await job()).status).to.equal(200);
      await proxy.stop();
      const inline = await fetch(`${webP.base}/graph/inl.png?input=${encodeURIComponent(inputFor(origin))}`);
      expect(inline.status).to.equal(200);
      const refused = await job();
      expect(refused.status).to.equal(503);
      expect((await refused.json() as { code: string }).code).to.equal('IMGFLOW_ERR_QUEUE_UNAVAILABLE');
      await proxy.start();
      const back = await until('job requests to work again', async () => {
        const r = await job();
        return r.status === 200 ? r : undefined;
      }, 15000);
      expect(back.headers.get('content-type')).to.equal('image/png');
      await webP.app.close();
      await webP.runtime.close();
      webs.splice(webs.indexOf(webP), 1);
    } finally {
      await proxy.stop().catch(() => {});
    }
  });
});
