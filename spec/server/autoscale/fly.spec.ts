/**
 * The fly actuator with the real autoscaler loop on the real Redis, against a local server that
 * answers like Fly's Machines API and records the calls (_fly-machines.ts). In the burst spec
 * that server runs each machine's command as a real `imgflow worker` process, so readiness
 * (the worker's Redis heartbeat), the jobs and the graceful stop are the real ones.
 */
import { expect } from 'chai';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, type Runtime } from '../../../runtime/index.ts';
import type { FlyActuator } from '../../../server/autoscale/actuators/fly.ts';
import { createFlyApi, FlyApiError } from '../../../server/autoscale/actuators/fly-api.ts';
import { parseAutoscaleConfig } from '../../../server/autoscale/config.ts';
import { startAutoscale, type RunningAutoscale } from '../../../server/autoscale/index.ts';
import { buildApp } from '../../../server/app.ts';
import { loadConfig, workClassOptions } from '../../../server/config.ts';
import { graphsDir, startJobOrigin, until, type JobOrigin } from '../jobs/_fixtures.ts';
import { inputFor } from '../jobs/_behaviour.ts';
import { startHeartbeat, type HeartbeatCommands } from '../../../server/jobs/heartbeat.ts';
import { startFlyMachinesServer, type FlyMachinesServer } from './_fly-machines.ts';
import { deletePrefix, REDIS, REDIS_URL, uniquePrefix } from './_redis.ts';

interface Line { level: string; msg: string; obj: Record<string, unknown> }

const APP = 'imgflow-workers';
const TOKEN = 'fly-token-0123';

function recorder() {
  const lines: Line[] = [];
  const at = (level: string) => (obj: object, msg: string) => void lines.push({ level, msg, obj: obj as Record<string, unknown> });
  return { lines, log: { info: at('info'), warn: at('warn'), debug: at('debug') }, named: (msg: string) => lines.filter((l) => l.msg === msg) };
}

function flyYaml(api: string, global: string, fly: string, role = 'testq: {processing: 1, stddev: 9, deadline: 30, concurrency: 1}') {
  return `
'*': {actuator: fly, app: ${APP}, host: 127.0.0.1, port: 0, min: 0, ${global}
  fly: {api: '${api}', image: 'registry.fly.io/${APP}:test', ${fly}}}
${role}
`;
}

describe('autoscale: fly actuator (Machines API on a local recording server, real Redis)', function () {
  this.timeout(90_000);
  let running: RunningAutoscale | undefined;
  let fly: FlyMachinesServer | undefined;
  const prefixes: string[] = [];
  const prefix = (what: string) => { const p = uniquePrefix(`fly-${what}`); prefixes.push(p); return p; };

  afterEach(async () => {
    await running?.close();
    running = undefined;
    await fly?.close();
    fly = undefined;
  });
  after(async () => { for (const p of prefixes) await deletePrefix(p); });

  describe('a burst, end to end', () => {
    let origin: JobOrigin;
    let graphs: string;
    let cacheDir: string;
    let app: FastifyInstance;
    let runtime: Runtime;
    let base: string;
    let queue: Queue;
    const p = prefix('burst');

    before(async () => {
      origin = await startJobOrigin();
      graphs = await graphsDir();
      cacheDir = await mkdtemp(join(tmpdir(), 'imgflow-fly-cache-'));
      const config = loadConfig({ graphsDir: graphs, cacheDir, logLevel: 'silent', allowPrivateSources: true, redisUrl: REDIS_URL, redisPrefix: p, jobLockMs: 1000 }, {});
      runtime = await createRuntime({ graphsDir: graphs, watch: false, workClasses: workClassOptions(config) });
      app = await buildApp(config, { runtime });
      await app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      queue = new Queue('testq', { connection: REDIS, prefix: p });
    });

    after(async () => {
      await app?.close();
      runtime?.close();
      await queue?.close();
      await origin?.close();
      await rm(graphs, { recursive: true, force: true });
      await rm(cacheDir, { recursive: true, force: true });
    });

    it('creates a machine per worker with the documented request, counts it ready from its worker\'s heartbeat, and stops and destroys it once the queue is idle', async () => {
      fly = await startFlyMachinesServer({
        app: APP, token: TOKEN, boot: true,
        secrets: {
          IMGFLOW_REDIS_URL: REDIS_URL, IMGFLOW_REDIS_PREFIX: p, IMGFLOW_GRAPHS_DIR: graphs, IMGFLOW_CACHE_DIR: cacheDir,
          IMGFLOW_ALLOW_PRIVATE_SOURCES: '1', IMGFLOW_JOB_LOCK_MS: '1000', IMGFLOW_HOST: '127.0.0.1', IMGFLOW_GPU: 'cpu',
          IMGFLOW_LOG_LEVEL: 'info', IMGFLOW_WORKER_METRICS_PORT: '0', IMGFLOW_WORKER_HEARTBEAT_SECONDS: '1',
        },
      });
      const command = JSON.stringify([process.execPath, '--import', 'tsx', 'bin/cli.ts', 'worker']);
      const config = parseAutoscaleConfig(flyYaml(fly.base, 'pollinterval: 0.5, history: 4, max: 2, stop_timeout: 20,',
        `region: ams, cpus: 2, memory_mb: 2048, cpu_kind: performance, command: ${command}, ready_timeout: 60, max_lifetime: 600, env: {IMGFLOW_JOB_CONCURRENCY: '1'}`));
      const { lines, log, named } = recorder();
      const diagnose = () => `\nautoscaler log:\n${lines.map((l) => `${l.level} ${l.msg} ${JSON.stringify(l.obj).slice(0, 300)}`).join('\n')}\nmachines:\n${fly!.history.map((m) => `${m.id} ${m.state}: ${m.output.slice(-1500)}`).join('\n')}`;
      running = await startAutoscale({ config, redis: REDIS, prefix: p, version: 'test', log, flyToken: TOKEN });
      const actuator = running.actuator as FlyActuator;
      try {
        expect(fly.calls('POST', /\/machines$/)).to.have.length(0); // min 0: nothing before work arrives

        const burst = await Promise.all(Array.from({ length: 8 }, async () => {
          const res = await fetch(`${base}/graph/jobby.png?input=${encodeURIComponent(inputFor(origin, '/img.png', '&ms=1000'))}`, { headers: { prefer: 'respond-async' } });
          expect(res.status).to.equal(202);
          return res.headers.get('location')!;
        }));
        expect(new Set(burst).size).to.equal(8);

        await until('two machines ready', async () => (named('fly machine ready').length === 2 ? true : undefined), 45_000);
        const creates = fly.calls('POST', /^\/v1\/apps\/imgflow-workers\/machines$/);
        expect(creates).to.have.length(2);
        for (const c of creates) {
          expect(c.headers.authorization).to.equal(`Bearer ${TOKEN}`);
          expect(c.headers['content-type']).to.equal('application/json');
          const body = c.body as { name: string; region: string; config: Record<string, unknown> & { metadata: Record<string, string>; init: { cmd: string[] } } };
          expect(body.name).to.match(/^imgflow-testq-[0-9a-f]{8}$/);
          expect(body.region).to.equal('ams');
          expect(body.config).to.deep.include({
            image: `registry.fly.io/${APP}:test`,
            env: { IMGFLOW_JOB_CONCURRENCY: '1' },
            guest: { cpus: 2, memory_mb: 2048, cpu_kind: 'performance' },
            auto_destroy: true,
            restart: { policy: 'no' },
          });
          expect(body.config.init.cmd).to.deep.equal([...JSON.parse(command), '--queues', 'testq', '--concurrency', '1', '--max-lifetime', '600', '--exit-when-idle', '0']);
          const { imgflow_created_at: createdAt, ...meta } = body.config.metadata;
          expect(meta).to.deep.equal({ imgflow: 'worker', imgflow_queue: 'testq', imgflow_role: 'testq', imgflow_owner: actuator.owner });
          expect(Math.abs(Date.parse(createdAt) - c.at)).to.be.below(5000);
        }
        const ids = fly.history.map((m) => m.id);
        // Each waited for with Fly's wait, then counted ready only once its worker's heartbeat was in Redis.
        for (const id of ids) expect(fly.calls('GET', new RegExp(`/machines/${id}/wait$`)).map((r) => r.query.get('state'))).to.include('started');
        for (const r of named('fly machine ready')) expect(ids).to.include(r.obj.machine);
        expect(fly.history.every((m) => m.output.includes(`"workerId":"${m.id}"`)), diagnose()).to.equal(true);

        await until('the queue to drain', async () => ((await queue.getJobCounts('completed')).completed === 8 ? true : undefined), 45_000);
        await until('both machines destroyed', async () => (fly!.machines.size === 0 && fly!.calls('DELETE').length === 2 ? true : undefined), 30_000);
        for (const id of ids) {
          const [stop] = fly.calls('POST', new RegExp(`/machines/${id}/stop$`));
          expect(stop.body).to.deep.equal({ signal: 'SIGTERM', timeout: '20s' });
          const [waited] = fly.calls('GET', new RegExp(`/machines/${id}/wait$`)).filter((r) => r.query.get('state') === 'stopped');
          expect(waited.query.get('instance_id')).to.equal(fly.history.find((m) => m.id === id)!.instance_id);
          const [del] = fly.calls('DELETE', new RegExp(`/machines/${id}$`));
          expect(del.query.get('force')).to.equal('true');
          expect(del.at).to.be.at.least(stop.at);
        }
        expect(named('fly machine not stopped cleanly: destroying it')).to.have.length(0);
        // SIGTERM let each worker finish cleanly before the machine went.
        for (const m of fly.history) expect(m.output, m.output.slice(-2000)).to.include('"msg":"worker stopped"');
        expect(fly.calls('POST', /\/machines$/)).to.have.length(2); // never above the maximum
        expect(actuator.describe()).to.include({ created: 2, ready: 2, destroyed: 2 });
      } catch (err) {
        (err as Error).message += diagnose();
        throw err;
      }
    });
  });

  it('sweeps a machine older than max_age left by an earlier autoscaler process, adopts a young one', async () => {
    const p = prefix('sweep');
    fly = await startFlyMachinesServer({ app: APP, token: TOKEN });
    const meta = (owner: string, createdAt: Date) => ({ imgflow: 'worker', imgflow_queue: 'testq', imgflow_role: 'testq', imgflow_owner: owner, imgflow_created_at: createdAt.toISOString() });
    const old = fly.seed({ created_at: new Date(Date.now() - 2 * 3600_000).toISOString(), config: { image: 'x', auto_destroy: true, metadata: meta('earlier-autoscaler', new Date(Date.now() - 2 * 3600_000)) } });
    const young = fly.seed({ config: { image: 'x', auto_destroy: true, metadata: meta('earlier-autoscaler', new Date(Date.now() - 60_000)) } });
    const unrelated = fly.seed({ created_at: new Date(Date.now() - 5 * 3600_000).toISOString(), config: { image: 'web', metadata: { fly_process_group: 'app' } } });
    const config = parseAutoscaleConfig(flyYaml(fly.base, 'pollinterval: 0.5, history: 0, max: 2,', 'max_age: 3600, sweep_interval: 0.5'));
    const { log, named } = recorder();
    running = await startAutoscale({ config, redis: REDIS, prefix: p, version: 'test', log, flyToken: TOKEN });

    await until('the old machine swept', async () => (named('fly machine past max_age: destroying it').length && !fly!.machines.has(old.id) ? true : undefined), 10_000);
    const [swept] = named('fly machine past max_age: destroying it');
    expect(swept.level).to.equal('warn');
    expect(swept.obj).to.include({ machine: old.id, owner: 'earlier-autoscaler', abandoned: true, queue: 'testq', maxAgeSeconds: 3600 });
    expect(swept.obj.ageSeconds).to.be.within(7190, 7300);
    const [del] = fly.calls('DELETE', new RegExp(`/machines/${old.id}$`));
    expect(del.query.get('force')).to.equal('true');
    expect(fly.machines.has(old.id)).to.equal(false);
    // The sweeper lists by the imgflow metadata: the app's other machines are not its business.
    expect(fly.calls('GET', /\/machines$/).some((r) => r.query.get('metadata.imgflow') === 'worker')).to.equal(true);
    expect(fly.machines.has(unrelated.id)).to.equal(true);

    // The young one is counted as a worker of the queue (adopted), and the idle queue scales it away.
    await until('the young machine scaled down', async () => (fly!.machines.has(young.id) ? undefined : true), 10_000);
    expect(named('fly machine adopted').map((l) => l.obj)).to.deep.include({ role: 'testq', machine: young.id, owner: 'earlier-autoscaler', state: 'started' });
    expect(fly.calls('POST', new RegExp(`/machines/${young.id}/stop$`))).to.have.length(1);
    expect(named('fly machine past max_age: destroying it').map((l) => l.obj.machine)).to.deep.equal([old.id]);
    expect(fly.calls('POST', /\/machines$/)).to.have.length(0);
  });

  it('after a restart, adopts the running machine of an earlier process: ready from its heartbeat, kept, none made', async () => {
    const p = prefix('adopt');
    fly = await startFlyMachinesServer({ app: APP, token: TOKEN });
    const made = new Date(Date.now() - 20 * 60_000); // older than ready_timeout: the deadline counts from the adoption
    const earlier = fly.seed({ created_at: made.toISOString(), config: { image: 'x', auto_destroy: true, metadata: { imgflow: 'worker', imgflow_queue: 'testq', imgflow_role: 'testq', imgflow_owner: 'earlier-autoscaler', imgflow_created_at: made.toISOString() } } });
    const queue = new Queue('testq', { connection: REDIS, prefix: p });
    // The worker in that machine, as far as Redis can tell: its heartbeat under the machine's id.
    const beat = await startHeartbeat(async () => (await queue.client) as unknown as HeartbeatCommands, p, { id: earlier.id, queues: ['testq'], pid: 1, startedAt: made.getTime() }, 1, () => {});
    try {
      const config = parseAutoscaleConfig(flyYaml(fly.base, 'pollinterval: 0.3, history: 0, max: 2,', 'ready_timeout: 300, max_age: 3600, sweep_interval: 60', 'testq: {min: 1, processing: 1, deadline: 30}'));
      const rec = recorder();
      running = await startAutoscale({ config, redis: REDIS, prefix: p, version: 'test', log: rec.log, flyToken: TOKEN });
      await until('the adopted machine ready', async () => (rec.named('fly machine ready').length ? true : undefined), 10_000);
      await until('two more polls', async () => (running!.autoscaler.status().polls >= 3 ? true : undefined), 10_000);
      expect(rec.named('fly machine adopted').map((l) => l.obj.machine)).to.deep.equal([earlier.id]);
      expect(rec.named('fly machine ready')[0].obj.machine).to.equal(earlier.id);
      expect((running.actuator as FlyActuator).machines('testq').map((m) => [m.id, m.phase])).to.deep.equal([[earlier.id, 'ready']]);
      expect(running.autoscaler.status().roles[0]).to.include({ desired: 1, current: 1 });
      expect(fly.calls('POST')).to.have.length(0);
      expect(fly.calls('DELETE')).to.have.length(0);
    } finally {
      await beat.stop();
      await queue.close();
    }
  });

  it('lists the machines once per poll for all roles (by the imgflow marker), not once or twice per role', async () => {
    const p = prefix('listing');
    fly = await startFlyMachinesServer({ app: APP, token: TOKEN });
    const made = new Date(Date.now() - 60_000);
    const second = fly.seed({ config: { image: 'x', auto_destroy: true, metadata: { imgflow: 'worker', imgflow_queue: 'second', imgflow_role: 'second', imgflow_owner: 'earlier-autoscaler', imgflow_created_at: made.toISOString() } } });
    const roles = 'first: {processing: 1, deadline: 30}\nsecond: {processing: 1, deadline: 30, min: 1}\nthird: {processing: 1, deadline: 30}';
    const config = parseAutoscaleConfig(flyYaml(fly.base, 'pollinterval: 0.2, history: 0, max: 2,', 'sweep_interval: 60, ready_timeout: 300', roles));
    const rec = recorder();
    running = await startAutoscale({ config, redis: REDIS, prefix: p, version: 'test', log: rec.log, flyToken: TOKEN });
    await until('five polls', async () => (running!.autoscaler.status().polls >= 5 ? true : undefined), 10_000);
    await running.close(); // no poll in flight: the counts below are final
    const { polls, roles: statuses } = running.autoscaler.status();
    running = undefined;
    const listings = fly.calls('GET', /^\/v1\/apps\/imgflow-workers\/machines$/);
    // One per poll, and the sweeper's once at start (sweep_interval 60 s is not reached).
    expect(listings).to.have.length(polls + 1);
    for (const l of listings) expect([...l.query]).to.deep.equal([['metadata.imgflow', 'worker']]);
    // Each role still gets its own machines out of the one listing.
    expect(statuses.map((s) => [s.role, s.desired, s.current])).to.deep.equal([['first', 0, 0], ['second', 1, 1], ['third', 0, 0]]);
    expect(rec.named('fly machine adopted').map((l) => [l.obj.role, l.obj.machine])).to.deep.equal([['second', second.id]]);
    expect(fly.calls('POST')).to.have.length(0);
    expect(fly.calls('DELETE')).to.have.length(0);
  });

  it('no answer (refused, or past the timeout): a retryable FlyApiError with the cause, retried, then thrown', async () => {
    const silent = http.createServer(() => { /* never answers */ });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    try {
      const retries: Array<{ attempt: number; error: string }> = [];
      const refused = createFlyApi({ baseUrl: `http://127.0.0.1:${closedPort}/v1`, app: APP, token: TOKEN, attempts: 2, retryDelayMs: 10, onRetry: (r) => retries.push(r) });
      const err = await refused.list({ imgflow: 'worker' }).then(() => undefined, (e: unknown) => e) as FlyApiError;
      expect(err).to.be.instanceOf(FlyApiError);
      expect([err.status, err.retryable]).to.deep.equal([undefined, true]);
      expect(err.message).to.equal('Fly Machines API GET /apps/imgflow-workers/machines?metadata.imgflow=worker: no answer (ECONNREFUSED: fetch failed)');
      expect(retries.map((r) => [r.attempt, r.error])).to.deep.equal([[1, err.message]]);

      const slow = createFlyApi({ baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v1`, app: APP, token: TOKEN, attempts: 1, timeoutMs: 200 });
      const started = Date.now();
      const late = await slow.destroy('m1').then(() => undefined, (e: unknown) => e) as FlyApiError;
      expect(Date.now() - started).to.be.below(5000);
      expect(late).to.be.instanceOf(FlyApiError);
      expect(late.message).to.match(/^Fly Machines API DELETE \/apps\/imgflow-workers\/machines\/m1\?force=true: no answer \(TimeoutError: /);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  describe('API errors: logged with Fly\'s answer, the autoscaler keeps running', () => {
    let queue: Queue;
    let p: string;
    beforeEach(async () => {
      p = prefix('errors');
      queue = new Queue('testq', { connection: REDIS, prefix: p });
      // Jobs nobody consumes: the loop asks for workers at every poll.
      await queue.addBulk(Array.from({ length: 3 }, (_, i) => ({ name: 'render', data: { n: i } })));
    });
    afterEach(async () => { await queue.close(); });

    it('401: no retry, the poll fails with one line carrying Fly\'s answer, /healthz says degraded', async () => {
      fly = await startFlyMachinesServer({ app: APP, token: TOKEN });
      const config = parseAutoscaleConfig(flyYaml(fly.base, 'pollinterval: 0.3, history: 0, max: 2,', 'sweep_interval: 60'));
      const rec = recorder();
      running = await startAutoscale({ config, redis: REDIS, prefix: p, version: 'test', log: rec.log, flyToken: 'not-the-token' });
      await until('three failed polls', async () => (running!.autoscaler.status().polls >= 3 ? true : undefined), 10_000);
      await running.autoscaler.stop(); // no poll in flight: the lines below are final
      const failures = rec.named('autoscale: poll failed, workers left as they are');
      expect(failures.length).to.be.at.least(3);
      // One line per failed poll, with Fly's answer in it; the actuator does not log it again.
      expect(failures[0].obj).to.deep.include({
        roles: ['testq'], status: 401, method: 'GET', path: '/apps/imgflow-workers/machines?metadata.imgflow=worker', detail: 'You must be authenticated to view this.',
        err: 'Fly Machines API GET /apps/imgflow-workers/machines?metadata.imgflow=worker: 401 You must be authenticated to view this.',
      });
      const sweeps = rec.named('fly sweep failed');
      expect(sweeps).to.have.length(1);
      expect(sweeps[0].obj).to.include({ status: 401 });
      expect(rec.lines.filter((l) => l.level === 'warn')).to.have.length(failures.length + sweeps.length);
      expect(rec.named('fly API call failed: retrying')).to.have.length(0);
      // One request per poll and one sweep: a 401 is not retried.
      const polls = running.autoscaler.status().polls;
      expect(fly.requests.length).to.be.within(polls, polls + 2);
      expect(fly.calls('POST')).to.have.length(0);
      const health = await (await fetch(`http://127.0.0.1:${running.port}/healthz`)).json() as { status: string; actuator: { kind: string; lastError: { message: string } } };
      expect(health.status).to.equal('degraded');
      expect(health.actuator.kind).to.equal('fly');
      expect(health.actuator.lastError.message).to.include('401');
    });

    it('422 on create: not retried, logged once with Fly\'s error at every poll that asks', async () => {
      fly = await startFlyMachinesServer({ app: APP, token: TOKEN });
      fly.fail('POST', /\/machines$/, 422, { error: 'invalid config.guest.memory_mb: 300 is not a multiple of 256' }, 1000);
      const config = parseAutoscaleConfig(flyYaml(fly.base, 'pollinterval: 0.3, history: 0, max: 1,', 'sweep_interval: 60'));
      const rec = recorder();
      running = await startAutoscale({ config, redis: REDIS, prefix: p, version: 'test', log: rec.log, flyToken: TOKEN });
      await until('three refused creates', async () => (rec.named('autoscale: poll failed, workers left as they are').length >= 3 ? true : undefined), 10_000);
      await running.close();
      const refused = rec.named('autoscale: poll failed, workers left as they are');
      expect(refused[0].obj).to.include({ status: 422, method: 'POST', role: 'testq', failed: 1, created: 0 });
      expect(refused[0].obj.err).to.equal('Fly Machines API POST /apps/imgflow-workers/machines: 422 invalid config.guest.memory_mb: 300 is not a multiple of 256');
      // One line per refused create: the actuator does not log it as well.
      expect(rec.lines.filter((l) => l.level === 'warn')).to.have.length(refused.length);
      expect(fly.calls('POST', /\/machines$/)).to.have.length(refused.length);
      expect(rec.named('fly API call failed: retrying')).to.have.length(0);
      const health = running.actuator.describe() as { lastError: { message: string } };
      expect(health.lastError.message).to.include('422 invalid config.guest.memory_mb');
    });

    it('5xx on create: retried with a doubling delay, then the machine is made', async () => {
      fly = await startFlyMachinesServer({ app: APP, token: TOKEN });
      fly.fail('POST', /\/machines$/, 503, { error: 'no capacity in region ams, try again' }, 2);
      const config = parseAutoscaleConfig(flyYaml(fly.base, 'pollinterval: 0.3, history: 0, max: 1,', 'sweep_interval: 60, ready_timeout: 60'));
      const rec = recorder();
      running = await startAutoscale({ config, redis: REDIS, prefix: p, version: 'test', log: rec.log, flyToken: TOKEN });
      await until('the machine created', async () => (rec.named('fly machine created').length ? true : undefined), 10_000);
      const retries = rec.named('fly API call failed: retrying');
      expect(retries.map((r) => [r.obj.method, r.obj.attempt, r.obj.delayMs])).to.deep.equal([['POST', 1, 500], ['POST', 2, 1000]]);
      expect(retries[0].obj.error).to.equal('Fly Machines API POST /apps/imgflow-workers/machines: 503 no capacity in region ams, try again');
      const posts = fly.calls('POST', /\/machines$/);
      expect(posts).to.have.length(3);
      // The same request each time: one name, so Fly would refuse a duplicate had the first one been made.
      expect(new Set(posts.map((r) => (r.body as { name: string }).name)).size).to.equal(1);
      expect(fly.machines.size).to.equal(1);
      expect(rec.named('autoscale: poll failed, workers left as they are')).to.have.length(0);
    });
  });
});
