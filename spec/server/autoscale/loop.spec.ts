import { expect } from 'chai';
import { Queue, Worker } from 'bullmq';
import { createPrometheusActuator } from '../../../server/autoscale/actuators/prometheus.ts';
import { parseAutoscaleConfig } from '../../../server/autoscale/config.ts';
import { autoscaleHealth, startAutoscaleHttp, type AutoscaleHttp } from '../../../server/autoscale/http.ts';
import { createAutoscaler } from '../../../server/autoscale/loop.ts';
import { createQueueObserver, processingTime, type QueueObserver } from '../../../server/autoscale/observe.ts';
import { startProxy } from '../jobs/_processes.ts';
import { until } from '../jobs/_fixtures.ts';
import { deletePrefix, REDIS, uniquePrefix } from './_redis.ts';

function recordingLog() {
  const lines: Array<{ level: string; msg: string; obj: Record<string, unknown> }> = [];
  const at = (level: string) => (obj: object, msg: string) => void lines.push({ level, msg, obj: obj as Record<string, unknown> });
  return { lines, info: at('info'), warn: at('warn'), debug: at('debug') };
}

describe('autoscale loop on a real BullMQ queue', () => {
  let prefix: string;
  let queue: Queue;
  let observer: QueueObserver;
  let http: AutoscaleHttp | undefined;

  beforeEach(async () => {
    prefix = uniquePrefix('loop');
    queue = new Queue('heavy', { connection: REDIS, prefix });
    observer = createQueueObserver(REDIS, prefix, 20);
  });
  afterEach(async () => {
    await http?.close();
    http = undefined;
    await observer.close();
    await queue.close();
    await deletePrefix(prefix);
  });

  it('sizes 100 waiting jobs like guv, keeps the size through the window, logs the inputs, and shows it at /healthz and /metrics', async () => {
    const config = parseAutoscaleConfig("'*': {history: 60, min: 0, max: 10}\nheavy: {processing: 3, deadline: 60, concurrency: 2}");
    let clock = 1_000_000;
    const log = recordingLog();
    const actuator = createPrometheusActuator(async (role) => (await observer.observe(role.queue)).consumers);
    const autoscaler = createAutoscaler({ config, observer, actuator, log, now: () => clock });
    await queue.addBulk(Array.from({ length: 100 }, (_, i) => ({ name: 'render', data: { i } })));

    const [first] = await autoscaler.tick();
    expect(first).to.include({ waiting: 100, active: 0, estimate: 3, desired: 3 });
    expect(first.processing).to.deep.equal({ mean: 3, samples: 0, source: 'configured' });
    const decision = log.lines.find((l) => l.level === 'info')!;
    expect(decision.msg).to.equal('autoscale heavy: 0 -> 3 workers');
    expect(decision.obj).to.include({ jobs: 100, waiting: 100, deadline: 60, concurrency: 2, estimate: 3, desired: 3, windowSeconds: 60 });
    expect(decision.obj.target).to.be.closeTo(53.51, 0.01);

    http = await startAutoscaleHttp('127.0.0.1', 0, autoscaler, actuator, 'test');
    const health = await (await fetch(`http://127.0.0.1:${http.port}/healthz`)).json() as { status: string; queues: Record<string, Record<string, unknown>> };
    expect(health.status).to.equal('ok');
    expect(health.queues.heavy).to.include({ waiting: 100, active: 0, desired: 3, current: 0 });
    const metrics = await (await fetch(`http://127.0.0.1:${http.port}/metrics`)).text();
    expect(metrics).to.include('imgflow_desired_workers{queue="heavy"} 3\n');
    expect(metrics).to.include('imgflow_queue_jobs{queue="heavy",state="waiting"} 100\n');
    expect(metrics).to.include('imgflow_current_workers{queue="heavy"} 0\n');

    await queue.drain();
    clock += 30_000;
    expect((await autoscaler.tick())[0]).to.include({ waiting: 0, estimate: 0, desired: 3 }); // within the window
    clock += 30_000;
    expect((await autoscaler.tick())[0]).to.include({ estimate: 0, desired: 0 }); // 60 s after the 3
    expect(log.lines.filter((l) => l.level === 'info').map((l) => l.msg)).to.deep.equal(['autoscale heavy: 0 -> 3 workers', 'autoscale heavy: 3 -> 0 workers']);
  });

  it('measures the processing time from completed jobs and uses it', async () => {
    const worker = new Worker('heavy', async () => { await new Promise((r) => setTimeout(r, 40)); }, { connection: REDIS, prefix, concurrency: 1 });
    try {
      await queue.addBulk(Array.from({ length: 4 }, (_, i) => ({ name: 'render', data: { i } })));
      const deadline = Date.now() + 10_000;
      while ((await queue.getJobCounts('completed')).completed < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const seen = await observer.observe('heavy');
      expect(seen.consumers).to.equal(1);
      expect(seen.processing!.samples).to.equal(4);
      expect(seen.processing!.mean).to.be.within(0.035, 2);
      const config = parseAutoscaleConfig("heavy: {processing: 500, deadline: 600, min: 0}");
      const autoscaler = createAutoscaler({ config, observer, actuator: createPrometheusActuator(async () => 0), log: recordingLog() });
      const [s] = await autoscaler.tick();
      expect(s.processing.source).to.equal('measured');
      expect(s.processing.mean).to.equal(seen.processing!.mean);
    } finally {
      await worker.close();
    }
  });

  it('computes mean and sample deviation in seconds', () => {
    expect(processingTime([])).to.equal(undefined);
    expect(processingTime([2000])).to.deep.equal({ mean: 2, samples: 1 });
    const p = processingTime([1000, 2000, 3000])!;
    expect(p.mean).to.equal(2);
    expect(p.stddev).to.be.closeTo(1, 1e-12);
  });

  it('leaves workers as they are and reports the error while Redis is unreachable, and decides again when it is back', async () => {
    const proxy = await startProxy();
    const config = parseAutoscaleConfig("heavy: {min: 0, processing: 3, deadline: 60, concurrency: 2}");
    // As `imgflow autoscale` connects: fail fast, reconnect by itself.
    const via = createQueueObserver({ host: '127.0.0.1', port: proxy.port, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 100 }, prefix, 5);
    const log = recordingLog();
    const actuator = createPrometheusActuator(async () => 0);
    const autoscaler = createAutoscaler({ config, observer: via, actuator, log });
    try {
      await queue.addBulk(Array.from({ length: 100 }, (_, i) => ({ name: 'render', data: { i } })));
      expect((await autoscaler.tick())[0]).to.include({ desired: 3 });
      await proxy.stop();
      const [down] = await autoscaler.tick();
      expect(down.error).to.be.a('string');
      expect(down.desired).to.equal(3); // the last decision stands
      expect(autoscaleHealth(autoscaler, actuator, Date.now(), 'test').status).to.equal('degraded');
      expect(log.lines.some((l) => l.level === 'warn' && l.msg === 'autoscale: poll failed, workers left as they are')).to.equal(true);
      await proxy.start();
      const back = await until('a poll to succeed again', async () => {
        const [s] = await autoscaler.tick().catch(() => [undefined]);
        return s && !s.error ? s : undefined;
      });
      expect(back).to.include({ waiting: 100, desired: 3 });
      expect(autoscaleHealth(autoscaler, actuator, Date.now(), 'test').status).to.equal('ok');
    } finally {
      await via.close();
      await proxy.stop();
    }
  });
});
