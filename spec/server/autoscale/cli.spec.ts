/** `imgflow autoscale` as a user runs it: a child process of bin/imgflow.js, a real YAML file, real Redis. */
import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { deletePrefix, REDIS_URL, uniquePrefix } from './_redis.ts';

const BIN = fileURLToPath(new URL('../../../bin/imgflow.js', import.meta.url));
const run = promisify(execFile);

describe('imgflow autoscale (CLI)', function () {
  this.timeout(30_000);
  let dir: string;
  const prefix = uniquePrefix('cli');
  before(async () => { dir = await mkdtemp(path.join(tmpdir(), 'imgflow-autoscale-cli-')); });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await deletePrefix(prefix);
  });

  it('refuses a bad config with every problem named by its key, exit 1', async () => {
    const file = path.join(dir, 'bad.yaml');
    await writeFile(file, "'*': {pollinterval: 0}\ndeepdream: {deadlin: 60}\n");
    const err = await run(process.execPath, [BIN, 'autoscale', '--config', file], { env: { ...process.env, IMGFLOW_REDIS_URL: REDIS_URL } }).then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(err?.code).to.equal(1);
    expect(err?.stderr).to.include('*.pollinterval: must be > 0');
    expect(err?.stderr).to.include('deepdream.deadlin: unknown key');
  });

  it('runs until SIGTERM, with /healthz per queue on its port', async () => {
    const file = path.join(dir, 'ok.yaml');
    await writeFile(file, "'*': {actuator: prometheus, host: 127.0.0.1, port: 0, pollinterval: 0.2}\nheavy: {min: 0}\n");
    const child = spawn(process.execPath, [BIN, 'autoscale', '--config', file], {
      env: { ...process.env, IMGFLOW_REDIS_URL: REDIS_URL, IMGFLOW_REDIS_PREFIX: prefix, IMGFLOW_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /"port":(\d+),"msg":"autoscaler ready"/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        void exited.then((code) => reject(new Error(`exited ${code} before ready: ${out}`)));
      });
      const health = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json() as { actuator: { kind: string }; queues: Record<string, { waiting: number; desired: number }> };
      expect(health.actuator.kind).to.equal('prometheus');
      expect(health.queues.heavy).to.include({ waiting: 0, desired: 0 });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).to.equal(0);
  });
});
