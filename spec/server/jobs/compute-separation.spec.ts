/**
 * The embedded engine runs jobs on compute threads of its own: an inline kernel graph is served
 * while a long kernel job holds every thread the runtime has (here: one).
 */
import { expect } from 'chai';
import type { FastifyInstance } from 'fastify';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createRuntime, type Runtime } from '../../../runtime/index.ts';
import { buildApp } from '../../../server/app.ts';
import { loadConfig, workClassOptions } from '../../../server/config.ts';
import { noiseRaw } from '../../_helpers/images.ts';
import { sleep, until } from './_fixtures.ts';

const blur = (length: number, job: boolean) => ({
  properties: job ? { imgflow: { class: 'job', queue: 'slow' } } : {},
  inports: { input: { process: 'b', port: 'input' } },
  outports: { output: { process: 'b', port: 'output' } },
  processes: { b: { component: 'imgflow/motion-blur-linear' } },
  // Off the axes (angle 30) a long motion blur is seconds of JavaScript; along them it is fast.
  connections: [{ data: length, tgt: { process: 'b', port: 'length' } }, { data: 30, tgt: { process: 'b', port: 'angle' } }],
});

describe('jobs: embedded engine on threads of its own', function () {
  this.timeout(60000);
  let app: FastifyInstance;
  let runtime: Runtime;
  let base: string;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imgflow-jobs-threads-'));
    await writeFile(join(dir, 'longjob.json'), JSON.stringify(blur(256, true)));
    await writeFile(join(dir, 'quick.json'), JSON.stringify(blur(3, false)));
    const config = loadConfig({ graphsDir: dir, cacheDir: join(dir, 'cache'), logLevel: 'silent', jobWaitSeconds: 0, jobConcurrency: 1, computeThreads: 1 }, {});
    runtime = await createRuntime({ graphsDir: dir, watch: false, computeThreads: 1, gpu: 'cpu', workClasses: workClassOptions(config) });
    app = await buildApp(config, { runtime });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await app.close();
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves an inline kernel graph while a long kernel job runs', async () => {
    const big = await sharp(noiseRaw(1400, 900), { raw: { width: 1400, height: 900, channels: 3 } }).png().toBuffer();
    const small = await sharp(noiseRaw(64, 48), { raw: { width: 64, height: 48, channels: 3 } }).png().toBuffer();
    const queued = await fetch(`${base}/graph/longjob.png`, { method: 'POST', body: new Uint8Array(big), headers: { prefer: 'respond-async' } });
    expect(queued.status).to.equal(202);
    const location = queued.headers.get('location')!;
    await until('the job to start', async () => ((await (await fetch(base + location)).json()) as { state: string }).state === 'processing' || undefined);
    // Past the job's decode, into its seconds-long kernel stage.
    await sleep(500);

    const inline = await fetch(`${base}/graph/quick.png`, { method: 'POST', body: new Uint8Array(small) });
    expect(inline.status).to.equal(200);
    // Sharing the runtime's one thread, the inline graph would have waited for the job to end.
    const job = (await (await fetch(base + location)).json()) as { state: string; progress: number };
    expect(job.state).to.equal('processing');
    // The job's one kernel stage has not ended: its progress is still 0.
    expect(job.progress).to.equal(0);

  });
});
