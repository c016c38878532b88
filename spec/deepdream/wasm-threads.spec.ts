import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { resolveDreamOptions } from '../../operations/deepdream/index.ts';
import { relativeL2 } from './helpers.ts';

interface Reply {
  description: string;
  loss: number;
  grad: Float32Array;
}

function gradientInWorker(threads: number, layer: string, size: number, seed: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./threaded-gradient-worker.mjs', import.meta.url), { workerData: { threads, layer, size, seed } });
    w.once('message', (m: Reply) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

describe('deepdream cpu backend on several threads (tfjs-wasm threaded build)', function () {
  this.timeout(120_000);

  it('starts 2 XNNPACK threads inside a worker thread and computes the same gradient as 1 thread', async () => {
    const [two, one] = await Promise.all([gradientInWorker(2, 'mixed0', 64, 3), gradientInWorker(1, 'mixed0', 64, 3)]);
    expect(two.description).to.match(/\b2 thread\(s\)/);
    expect(one.description).to.match(/\b1 thread\(s\)/);
    expect(Math.abs(two.loss - one.loss) / one.loss).to.be.below(1e-6);
    expect(relativeL2(one.grad, two.grad)).to.be.below(1e-6);
  });

  it('takes the thread count from IMGFLOW_DEEPDREAM_THREADS, else the CPU count', () => {
    expect(resolveDreamOptions({}, { IMGFLOW_DEEPDREAM_THREADS: '3' }).threads).to.equal(3);
    expect(resolveDreamOptions({ threads: 1 }, { IMGFLOW_DEEPDREAM_THREADS: '3' }).threads).to.equal(1);
    expect(resolveDreamOptions({}, {}).threads).to.be.at.least(1);
    expect(() => resolveDreamOptions({}, { IMGFLOW_DEEPDREAM_THREADS: '0' })).to.throw(/IMGFLOW_DEEPDREAM_THREADS/);
  });

  it('lets the CLI exit after a dream on the event loop with 2 threads (pool threads do not hold it open)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'imgflow-dd-threads-'));
    try {
      const input = path.join(dir, 'in.png');
      await sharp({ create: { width: 64, height: 64, channels: 3, background: '#3a6' } }).png().toFile(input);
      const bin = fileURLToPath(new URL('../../bin/imgflow.js', import.meta.url));
      const env = { ...process.env, IMGFLOW_COMPUTE_THREADS: '0', IMGFLOW_DEEPDREAM_THREADS: '2', IMGFLOW_DEEPDREAM_BACKEND: 'tfjs' };
      // The time limit only detects a process that never exits.
      await promisify(execFile)(process.execPath, [bin, 'run', 'deepdream', '--input', input, '--set', 'layer=mixed0', '--set', 'octaves=1', '--set', 'iterations=1', '-o', path.join(dir, 'out.png')], { env, timeout: 60_000 });
      expect((await sharp(path.join(dir, 'out.png')).metadata()).width).to.equal(64);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
