/**
 * CPU-heavy stages (gpu.js kernels in CPU mode, pixel and process operations) run on worker
 * threads: the same pixels as on the calling thread, an event loop that keeps turning while
 * they run, and a time limit or cancellation that ends them mid-stage.
 */
import { expect } from 'chai';
import sharp from 'sharp';
import { bindParameters, compileGraph, evaluatePlan } from '../../runtime/index.ts';
import { ComputeAborted, createComputePool, type ComputePool } from '../../runtime/offload/compute-pool.ts';
import { chainGraph, registry, singleNodeGraph } from '../_helpers/graphs.ts';
import { noiseRaw } from '../_helpers/images.ts';
import { rejection } from '../_helpers/rejection.ts';

/** The longest stretch the event loop went without running a 5 ms timer while `work` ran. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 5);
  try {
    const result = await work();
    return { result, stallMs: Math.max(stallMs, performance.now() - last) };
  } finally {
    clearInterval(timer);
  }
}

// motion-blur-linear at an angle off the axes adds its hundreds of bilinear taps one by one:
// at this size, seconds of JavaScript on one thread (along an axis it is a sliding sum, fast).
const blurGraph = singleNodeGraph('imgflow/motion-blur-linear', { length: 160, angle: 30 });
const plan = (graph = blurGraph) => bindParameters(compileGraph('heavy', graph, registry), {});

describe('compute pool: heavy stages off the event loop', function () {
  this.timeout(60000);
  let pool: ComputePool;
  let big: Buffer;
  let small: Buffer;

  before(async () => {
    pool = createComputePool({ threads: 2, gpu: 'cpu' });
    big = await sharp(noiseRaw(900, 600), { raw: { width: 900, height: 600, channels: 3 } }).png().toBuffer();
    small = await sharp(noiseRaw(96, 64), { raw: { width: 96, height: 64, channels: 3 } }).png().toBuffer();
  });
  after(() => pool.close());

  it('gives the same pixels as the calling thread for a fused kernel chain', async () => {
    const graph = chainGraph([
      ['imgflow/levels', { 'in-low': 0.1, 'in-high': 0.9 }],
      ['imgflow/sepia', {}],
      ['imgflow/vignette', {}],
      ['imgflow/motion-blur-linear', { length: 9 }],
    ]);
    const here = await evaluatePlan(plan(graph), registry, { input: small, format: 'png' });
    const there = await evaluatePlan(plan(graph), registry, { input: small, format: 'png', compute: pool });
    const [a, b] = await Promise.all([here, there].map((r) => sharp(r.bytes).raw().toBuffer()));
    expect(there.width).to.equal(96);
    expect(Buffer.compare(a, b)).to.equal(0);
  });

  it('keeps the event loop turning while a heavy kernel runs', async () => {
    const { result, stallMs } = await longestStall(() => evaluatePlan(plan(), registry, { input: big, format: 'png', compute: pool }));
    expect(result.width).to.equal(900);
    // On the calling thread the loop stops for the whole stage (seconds): see the next test.
    expect(stallMs).to.be.below(300);
  });

  it('(control) the same stage on the calling thread stalls the loop', async () => {
    const { stallMs } = await longestStall(() => evaluatePlan(plan(), registry, { input: big, format: 'png' }));
    expect(stallMs).to.be.above(600);
  });

  it('ends a stage at the time limit, mid-work, with the coded 503', async () => {
    const t0 = performance.now();
    const err = await rejection(evaluatePlan(plan(singleNodeGraph('imgflow/motion-blur-linear', { length: 256, angle: 30 })), registry, {
      input: big, format: 'png', compute: pool, timeoutMs: 300,
    }));
    expect(err).to.include({ code: 'IMGFLOW_ERR_PROCESSING_TIMEOUT', statusCode: 503 });
    expect(performance.now() - t0).to.be.below(1300);
    // The pool replaced the terminated thread: the next task runs.
    const next = await evaluatePlan(plan(singleNodeGraph('imgflow/sepia', {})), registry, { input: small, format: 'png', compute: pool });
    expect(next.width).to.equal(96);
  });

  it('ends a stage when the caller aborts (a client that left)', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('client left')), 200);
    const t0 = performance.now();
    await rejection(evaluatePlan(plan(singleNodeGraph('imgflow/motion-blur-linear', { length: 256, angle: 30 })), registry, {
      input: big, format: 'png', compute: pool, signal: controller.signal,
    }));
    expect(performance.now() - t0).to.be.below(1200);
  });

  it('keeps an operation\'s coded 4xx from the worker thread', async () => {
    const err = await rejection(evaluatePlan(plan(singleNodeGraph('imgflow/convolution', { size: 3, matrix: '1 2 3' })), registry, {
      input: small, format: 'png', compute: pool,
    }));
    expect(err).to.include({ statusCode: 400 });
    expect((err as { code: string }).code).to.match(/^IMGFLOW_ERR_/);
  });

  it('relays a process operation\'s progress from the thread, in order', async () => {
    const graph = singleNodeGraph('imgflow/deepdream', { octaves: 1, iterations: 3, 'tile-size': 128, jitter: 0 });
    const seen: number[] = [];
    const r = await evaluatePlan(plan(graph), registry, {
      input: small, format: 'png', compute: pool,
      onProgress: (fraction, detail) => { if (detail.node === 'op') seen.push(fraction); },
    });
    expect(r.width).to.equal(96);
    expect(seen.length).to.be.at.least(3);
    expect(seen).to.deep.equal([...seen].sort((a, b) => a - b));
  });

  // Cooperative tasks (DeepDream: spec/deepdream/onnx-cancel.spec.ts) stop themselves; here, the
  // bound on waiting for one that does not: a sharp blur, which never looks at ctx.cancelled().
  it('gives up waiting for an aborted cooperative task after cancelWaitMs, with a warning, without terminating its thread', async () => {
    const warnings: string[] = [];
    const one = createComputePool({ threads: 1, gpu: 'cpu', cancelWaitMs: 100, onError: (e) => warnings.push((e as Error).message) });
    try {
      const img = { data: noiseRaw(900, 600), width: 900, height: 600, channels: 3 as const };
      const blur = [{ op: 'gaussian-blur-linear', params: { 'std-dev-x': 50, 'std-dev-y': 50, 'abyss-policy': 'clamp' }, aux: {} }];
      const t = performance.now();
      await one.run('process', blur, img); // the thread is up, and this is how long a blur takes
      const blurMs = performance.now() - t;
      expect(blurMs, 'the blur outlasts the abort and the wait').to.be.above(300);
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('client left')), 50);
      const t0 = performance.now();
      const err = await one.run('process', blur, img, { signal: controller.signal, cooperative: true }).then(() => undefined, (e: unknown) => e);
      const waited = performance.now() - t0;
      expect(err).to.be.instanceOf(ComputeAborted);
      expect(waited).to.be.within(100, blurMs);
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.match(/aborted gaussian-blur-linear task did not stop within 100 ms; its thread is left to finish/);
      // Left to finish, not terminated: the next task waits for that blur, then runs on the thread.
      const next = await one.run('process', [{ ...blur[0], params: { 'std-dev-x': 1, 'std-dev-y': 1, 'abyss-policy': 'clamp' } }], img);
      expect(next.width).to.equal(900);
    } finally {
      await one.close();
    }
  });

  it('drops an aborted cooperative task still waiting for a thread at once', async () => {
    const one = createComputePool({ threads: 1, gpu: 'cpu' });
    try {
      const img = { data: noiseRaw(900, 600), width: 900, height: 600, channels: 3 as const };
      const busy = one.run('process', [{ op: 'gaussian-blur-linear', params: { 'std-dev-x': 50, 'std-dev-y': 50, 'abyss-policy': 'clamp' }, aux: {} }], img);
      const controller = new AbortController();
      const dreamParams = { layer: 'mixed0', channel: -1, octaves: 1, 'octave-scale': 1.4, iterations: 1, step: 0.015, jitter: 0, 'tile-size': 512, seed: 0 };
      const queued = one.run('process', [{ op: 'deepdream', params: dreamParams, aux: {} }], { ...img, data: noiseRaw(96, 64), width: 96, height: 64 }, { signal: controller.signal, cooperative: true });
      let blurDone = false;
      void busy.then(() => (blurDone = true));
      await new Promise((r) => setTimeout(r, 100));
      const t0 = performance.now();
      controller.abort(new Error('client left'));
      const err = await queued.then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(ComputeAborted);
      expect(performance.now() - t0).to.be.below(200);
      expect(blurDone, 'it did not wait for the thread').to.equal(false);
      expect((await busy).width).to.equal(900);
    } finally {
      await one.close();
    }
  });
});
