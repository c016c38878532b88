/**
 * `imgflow worker --max-lifetime` and `--exit-when-idle`, real worker processes on the real
 * Redis: the worker stops by itself as on SIGTERM (its job finished, not dropped), exits 0 so a
 * Fly Machine with auto_destroy goes with it, and its ready heartbeat leaves Redis first.
 */
import { expect } from 'chai';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, type Runtime } from '../../../runtime/index.ts';
import { buildApp } from '../../../server/app.ts';
import { loadConfig, workClassOptions } from '../../../server/config.ts';
import { heartbeatKey } from '../../../server/jobs/heartbeat.ts';
import { graphsDir, startJobOrigin, until, type JobOrigin } from './_fixtures.ts';
import { inputFor } from './_behaviour.ts';
import { deletePrefix, REDIS_URL, spawnWorker, type WorkerProcess } from './_processes.ts';

describe('jobs: a worker that stops by itself (--max-lifetime, --exit-when-idle)', function () {
  this.timeout(60_000);
  const prefix = `imgflow-spec-lifetime-${process.pid}-${Date.now()}`;
  let origin: JobOrigin;
  let graphs: string;
  let cacheDir: string;
  let app: FastifyInstance;
  let runtime: Runtime;
  let base: string;
  let queue: Queue;
  let redis: { get(key: string): Promise<string | null> };
  const workers: WorkerProcess[] = [];

  const worker = (args: string[], env: Record<string, string> = {}) => {
    const w = spawnWorker({
      IMGFLOW_REDIS_URL: REDIS_URL, IMGFLOW_REDIS_PREFIX: prefix, IMGFLOW_GRAPHS_DIR: graphs, IMGFLOW_CACHE_DIR: cacheDir,
      IMGFLOW_ALLOW_PRIVATE_SOURCES: '1', IMGFLOW_WORKER_METRICS_PORT: '0', IMGFLOW_HOST: '127.0.0.1', IMGFLOW_GPU: 'cpu',
      IMGFLOW_LOG_LEVEL: 'info', IMGFLOW_WORKER_HEARTBEAT_SECONDS: '1', FLY_MACHINE_ID: `m-${workers.length}-${process.pid}`, ...env,
    }, ['--queues', 'testq', '--concurrency', '1', ...args]);
    workers.push(w);
    return w;
  };
  const enqueue = async (extra: string) => {
    const res = await fetch(`${base}/graph/jobby.png?input=${encodeURIComponent(inputFor(origin, '/img.png', extra))}`, { headers: { prefer: 'respond-async' } });
    expect(res.status).to.equal(202);
  };
  const line = (w: WorkerProcess, msg: string) => w.lines(msg)[0] as Record<string, unknown> & { time: number };

  before(async () => {
    origin = await startJobOrigin();
    graphs = await graphsDir();
    cacheDir = await mkdtemp(join(tmpdir(), 'imgflow-lifetime-cache-'));
    const config = loadConfig({ graphsDir: graphs, cacheDir, logLevel: 'silent', allowPrivateSources: true, redisUrl: REDIS_URL, redisPrefix: prefix }, {});
    runtime = await createRuntime({ graphsDir: graphs, watch: false, workClasses: workClassOptions(config) });
    app = await buildApp(config, { runtime });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    queue = new Queue('testq', { connection: { host: '127.0.0.1', port: 6379 }, prefix });
    redis = (await queue.client) as unknown as typeof redis;
  });

  after(async () => {
    for (const w of workers) if (w.proc.exitCode === null) w.proc.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await app?.close();
    await runtime?.close();
    await queue?.close();
    await origin?.close();
    await deletePrefix(prefix);
    await rm(graphs, { recursive: true, force: true });
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('--max-lifetime: stops when the lifetime is up, finishes the job it runs, exits 0, its heartbeat gone', async () => {
    const w = worker(['--max-lifetime', '3'], { IMGFLOW_WORKER_SHUTDOWN_SECONDS: '30' });
    await w.ready;
    const id = line(w, 'worker ready').workerId as string;
    expect(id).to.equal(`m-0-${process.pid}`);
    expect(line(w, 'worker ready').maxLifetimeSeconds).to.equal(3);
    const beat = JSON.parse((await redis.get(heartbeatKey(prefix, id)))!) as { queues: string[]; pid: number };
    expect(beat).to.include({ pid: w.proc.pid });
    expect(beat.queues).to.deep.equal(['testq']);

    // Its input takes 5 s to arrive: the job still runs when the 3 s are up.
    await enqueue('&ms=5000');
    const code = await w.exited;
    expect(code).to.equal(0);
    const ready = line(w, 'worker ready');
    const stopping = line(w, 'worker stopping');
    expect(stopping).to.include({ reason: 'max-lifetime', maxLifetimeSeconds: 3 });
    expect(stopping.time - ready.time).to.be.within(2900, 4500);
    const stopped = line(w, 'worker stopped');
    expect(stopped).to.include({ succeeded: 1, handedBack: 0 });
    expect(stopped.time - stopping.time).to.be.at.least(1000); // it waited for the job
    expect(await queue.getJobCounts('completed', 'waiting', 'active')).to.deep.include({ completed: 1, waiting: 0, active: 0 });
    expect(await redis.get(heartbeatKey(prefix, id))).to.equal(null);
  });

  it('--exit-when-idle: stops once no job has run for that long, exits 0', async () => {
    const w = worker(['--exit-when-idle', '2']);
    await w.ready;
    await enqueue('&ms=1500');
    const code = await w.exited;
    expect(code).to.equal(0);
    const stopping = line(w, 'worker stopping');
    expect(stopping).to.include({ reason: 'idle' });
    expect(stopping.idleSeconds).to.be.at.least(2);
    const stopped = line(w, 'worker stopped');
    expect(stopped).to.include({ succeeded: 1 });
    // Idle counts from the job's end, not the worker's start.
    const done = (await queue.getJobs(['completed'])).map((j) => j.finishedOn!).sort().pop()!;
    expect(stopping.time - done).to.be.at.least(1900);
    await until('the heartbeat removed', async () => ((await redis.get(heartbeatKey(prefix, line(w, 'worker ready').workerId as string))) === null ? true : undefined), 2000);
  });
});
