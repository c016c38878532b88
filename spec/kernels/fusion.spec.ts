import { expect } from 'chai';
import type { OperationDef, Params } from '../../operations/define.ts';
import { configureGpu, getGpu, gpuInfo, kernelCounters, resetKernelCounters, runKernelChain } from '../../operations/kernels/index.ts';
import { BAKE_AFTER_USES, compiledKernelCount, generateSource, KERNEL_CACHE_SIZE, keepsAlpha, runSteps, splitPasses, toPassSteps } from '../../operations/kernels/chain.ts';
import { kernelOperations } from '../../operations/kernels/catalog.ts';
import { KernelParamError } from '../../operations/kernels/descriptor.ts';
import { randomImage, rng } from './reference.ts';

const op = (name: string): OperationDef => kernelOperations.find((o) => o.name === name)!;
const step = (name: string, params: Params = {}) => ({ op: op(name), params, aux: {} });

const pointChain = [
  step('sepia', { scale: 0.5, srgb: true }),
  step('levels', { 'in-low': 0.05, 'in-high': 0.95, gamma: 1.2, 'out-low': 0, 'out-high': 1 }),
  step('curves', { preset: 'indie', strength: 0.8 }),
  step('posterize', { levels: 32 }),
  step('vignette', { color: '#000000ff', strength: 0.5, radius: 0.6, softness: 0.4, lighten: 0 }),
  step('color-matrix', { matrix: '0.9 0.1 0 0 1 0 0 0.1 0.9' }),
];

describe('kernel fusion', () => {
  before(async () => { await configureGpu('cpu'); });

  it('gpuInfo reports the class of a compiled CPU kernel', () => {
    expect(gpuInfo()).to.deep.include({ requested: 'cpu', mode: 'cpu', kernelClass: 'CPUKernel' });
  });

  it('runs a chain of 6 point ops as ONE pass: one upload, one download', async () => {
    resetKernelCounters();
    const out = await runKernelChain(pointChain, randomImage(31, 17, 3, 5));
    expect(out.channels).to.equal(4);
    expect(kernelCounters()).to.include({ passes: 1, uploads: 1, downloads: 1 });
  });

  it('without fusion runs one pass per op and gives the fused pixels (floats between passes)', async () => {
    const img = randomImage(23, 19, 4, 12);
    const fused = await runKernelChain(pointChain, img);
    resetKernelCounters();
    const unfused = await runKernelChain(pointChain, img, { fuse: false });
    expect(kernelCounters()).to.include({ passes: 6, downloads: 6 });
    let max = 0;
    for (let i = 0; i < fused.data.length; i++) max = Math.max(max, Math.abs(fused.data[i] - unfused.data[i]));
    // float32 storage between passes; posterize can turn a rounding into one level (8 / 255)
    expect(max).to.be.at.most(9);
  });

  it('gives nearly the same pixels fused as op by op (8-bit rounding between ops, amplified by posterize)', async () => {
    const img = randomImage(23, 19, 4, 9);
    const fused = await runKernelChain(pointChain, img);
    let unfused = img;
    for (const s of pointChain) unfused = await runKernelChain([s], unfused);
    let max = 0;
    for (let i = 0; i < fused.data.length; i++) max = Math.max(max, Math.abs(fused.data[i] - unfused.data[i]));
    // unfused rounds to 8 bits between ops; posterize can turn that step into one level
    expect(max).to.be.at.most(9);
  });

  it('GPU layout: reuses a compiled kernel when only parameter values change', async () => {
    const img = randomImage(8, 8, 4, 3);
    await runSteps(toPassSteps([step('sepia', { scale: 0.2, srgb: true }), step('posterize', { levels: 5 })]), img, 'channel');
    resetKernelCounters();
    await runSteps(toPassSteps([step('sepia', { scale: 0.9, srgb: true }), step('posterize', { levels: 9 })]), img, 'channel');
    expect(kernelCounters().compiles).to.equal(0);
  });

  it('CPU path: new values run the generic kernel; values used again get one with them baked in', async () => {
    const chain = (levels: number) => toPassSteps([step('sepia', { scale: 0.5, srgb: true }), step('posterize', { levels })]);
    const p = new Float32Array(chain(7).flatMap((s) => s.desc.uniforms(s.params)));
    const baked = generateSource(chain(7), 'packed', 4, true, p).source;
    expect(baked).not.to.match(/\bp\[\d+\]/);
    expect(baked).to.include(String(Math.fround(1 / 6)));
    const img = randomImage(6, 5, 3, 8);
    const run = (levels: number) => runKernelChain(chain(levels).map((s) => ({ op: op(s.name), params: s.params, aux: {} })), img);
    const compiles = async (levels: number) => {
      resetKernelCounters();
      const out = await run(levels);
      return { compiles: kernelCounters().compiles, out };
    };
    await run(200); // compiles the generic kernel for this pass shape
    const first = await compiles(7);
    expect(first.compiles, 'new values: generic kernel').to.equal(0);
    expect(BAKE_AFTER_USES).to.equal(2);
    const second = await compiles(7);
    expect(second.compiles, 'second use: baked').to.equal(1);
    const third = await compiles(7);
    expect(third.compiles, 'third use: cached').to.equal(0);
    // baking changes no pixel
    expect(second.out.data.equals(first.out.data)).to.equal(true);
    expect((await compiles(9)).compiles, 'other new values: generic again').to.equal(0);
  });

  it('CPU path: keeps at most KERNEL_CACHE_SIZE compiled kernels', async () => {
    const img = randomImage(4, 3, 3, 9);
    const run = (levels: number) => runKernelChain([step('posterize', { levels })], img);
    resetKernelCounters();
    for (let levels = 2; levels < 2 + KERNEL_CACHE_SIZE + 6; levels++) {
      await run(levels);
      await run(levels);
    }
    expect(kernelCounters().compiles).to.be.at.least(KERNEL_CACHE_SIZE + 6);
    expect(compiledKernelCount()).to.equal(KERNEL_CACHE_SIZE);
  });

  it('drops a clamp where the steps before guarantee 0..1, and keeps it where they do not', () => {
    const clamps = (names: Array<[string, Params]>, unitIn = true) =>
      (generateSource(toPassSteps(names.map(([n, p]) => step(n, p))), 'packed', 'float', unitIn).source.match(/Math\.min\(Math\.max\([rgb], 0\.0\), 1\.0\)/g) ?? []).length;
    const levels: [string, Params] = ['levels', { 'in-low': 0.1, 'in-high': 0.9, gamma: 1, 'out-low': 0, 'out-high': 1 }];
    const curves: [string, Params] = ['curves', { preset: 'indie', strength: 1 }];
    // curves' lookup (3) and the final pack (3) need no clamp after levels (unit)
    expect(clamps([levels, curves])).to.equal(0);
    // a blend guarantees nothing: curves clamps its lookup (3), and since curves only keeps a
    // range it was given, the pack clamps too (3); blend's own clamps go (bytes in are 0..1)
    expect(clamps([['blend', { mode: 'color-dodge', opacity: 1, srgb: true }], curves])).to.equal(6);
    expect(clamps([['blend', { mode: 'color-dodge', opacity: 1, srgb: true }], curves], false)).to.equal(9);
    // pass input from an earlier pass whose range is unknown
    expect(clamps([curves], false)).to.equal(6);
    expect(clamps([curves], true)).to.equal(0);
  });

  it('point ops that do not declare writesAlpha leave alpha exactly as it came in', async () => {
    const { gpu } = await getGpu();
    const w = 32, h = 8;
    const random = rng(7);
    const input = Float32Array.from({ length: w * h * 4 }, () => random());
    const points = kernelOperations.filter((o) => (o.kernel?.kernel as { kind?: string } | undefined)?.kind === 'point');
    expect(points.length).to.be.at.least(9);
    let undeclared = 0;
    for (const def of points) {
      const params: Params = {};
      for (const [name, spec] of Object.entries(def.params)) if (spec.default !== undefined) params[name] = spec.default;
      if (def.name === 'color-matrix') params.matrix = '1 0 0 0 0  0 1 0 0 0  0 0 1 0 0  0 0 0 0.5 0.1'; // rgba: writes alpha
      const [s] = toPassSteps([{ op: def, params, aux: {} }]);
      const declared = s.desc.writesAlpha?.(params) ?? false;
      const args: unknown[] = [input, Float32Array.from(s.desc.uniforms(params, { width: w, height: h }).concat(0)), w, h];
      if (s.aux) args.push(Float32Array.from({ length: w * h * 4 }, () => random()), w, h);
      const { source } = generateSource([s], 'channel', 'float', true);
      const kernel = gpu.createKernel(source, { output: [w * 4, h], precision: 'single', tactic: 'precision' }) as unknown as (...a: unknown[]) => Float32Array[];
      const rows = kernel(...args);
      let changed = false;
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (Math.abs(rows[y][x * 4 + 3] - input[(y * w + x) * 4 + 3]) > 1e-6) changed = true;
      if (!declared) {
        expect(changed, `${def.name} changes alpha but does not declare writesAlpha`).to.equal(false);
        undeclared++;
      }
    }
    // most point ops leave alpha alone, so the check above ran for them
    expect(undeclared).to.be.at.least(6);
  });

  it('a last CPU pass that keeps alpha returns no alpha map and copies alpha from its input', async () => {
    const steps = toPassSteps([step('curves', { preset: 'indie', strength: 1 }), step('posterize', { levels: 6 })]);
    expect(keepsAlpha(steps)).to.equal(true);
    expect(keepsAlpha(toPassSteps([step('gradient-map', {})]))).to.equal(false);
    for (const channels of [2, 4] as const) {
      const img = randomImage(13, 7, channels, 21);
      const out = await runSteps(steps, img);
      const reference = await runSteps(steps, img, 'channel');
      expect(out.data.equals(reference.data), `${channels} channels`).to.equal(true);
      for (let i = 0; i < 13 * 7; i++) expect(out.data[i * 4 + 3]).to.equal(img.data[i * channels + channels - 1]);
    }
    // after a neighbourhood pass, alpha comes from that pass's float output
    const two = toPassSteps([step('pixelate', { 'size-x': 2, 'size-y': 2 }), step('levels', { gamma: 1.3 }), step('edge-sobel', {}), step('posterize', { levels: 4 })]);
    const img = randomImage(9, 9, 4, 22);
    const cpu = (await runSteps(two, img)).data, channel = (await runSteps(two, img, 'channel')).data;
    let max = 0;
    for (let i = 0; i < cpu.length; i++) max = Math.max(max, Math.abs(cpu[i] - channel[i]));
    expect(max).to.be.at.most(1); // float32 storage between passes, as in the test above
  });

  it('keeps the range each op declares: r, g, b stay in 0..1 for 0..1 input (any input for `unit`)', async () => {
    const { gpu } = await getGpu();
    const w = 64, h = 16;
    const random = rng(99);
    const input = (lo: number, hi: number) => Float32Array.from({ length: w * h * 4 }, () => lo + random() * (hi - lo));
    const ranged = kernelOperations.filter((o) => o.kernel && (o.kernel.kernel as { kind: string; range?: unknown }).range);
    expect(ranged.map((o) => o.name)).to.include.members(['curves', 'levels', 'posterize', 'sepia', 'vignette', 'color-matrix', 'gradient-map', 'noise']);
    for (const def of ranged) {
      for (let trial = 0; trial < 6; trial++) {
        const params: Params = {};
        for (const [name, spec] of Object.entries(def.params)) {
          if (spec.type === 'number' || spec.type === 'int') {
            const lo = spec.min ?? 0, hi = spec.max ?? 2;
            const v = lo + random() * (hi - lo);
            params[name] = spec.type === 'int' ? Math.round(v) : v;
          } else if (spec.default !== undefined) params[name] = spec.default;
        }
        const [s] = toPassSteps([{ op: def, params, aux: {} }]);
        const range = s.desc.range?.(params);
        if (!range) continue;
        const p = new Float32Array(Math.max(1, s.desc.uniforms(params, { width: w, height: h }).length));
        p.set(s.desc.uniforms(params, { width: w, height: h }));
        for (const [lo, hi] of range === 'unit' ? [[0, 1], [-0.5, 1.5]] : [[0, 1]]) {
          const { source } = generateSource([s], 'channel', 'float', lo === 0 && hi === 1);
          const kernel = gpu.createKernel(source, { output: [w * 4, h], precision: 'single', tactic: 'precision' }) as unknown as (...a: unknown[]) => Float32Array[];
          const rows = kernel(input(lo, hi), p, w, h);
          for (const row of rows) for (let i = 0; i < row.length; i++) {
            if (i % 4 === 3) continue;
            expect(row[i], `${def.name} ${JSON.stringify(params)} input ${lo}..${hi}`).to.be.within(0, 1 + 1e-6);
          }
        }
      }
    }
  });

  it('starts a new pass at each neighbourhood op: [point, nbhd, point, point, nbhd] -> 3 passes', () => {
    const steps = toPassSteps([step('sepia'), step('edge-sobel'), step('levels'), step('posterize'), step('pixelate')]);
    expect(splitPasses(steps).map((p) => p.map((s) => s.name))).to.deep.equal([
      ['sepia'], ['edge-sobel', 'levels', 'posterize'], ['pixelate'],
    ]);
  });

  it('repeats an iterating op as passes, and drops it at 0 iterations', () => {
    expect(splitPasses(toPassSteps([step('noise-reduction', { iterations: 3 }), step('sepia')])).length).to.equal(3);
    expect(splitPasses(toPassSteps([step('noise-reduction', { iterations: 0 }), step('sepia')])).length).to.equal(1);
  });

  it('counts an aux image as an upload', async () => {
    resetKernelCounters();
    const aux = randomImage(5, 5, 4, 2);
    await runKernelChain([step('sepia'), { op: op('blend'), params: { mode: 'screen', opacity: 1, srgb: true }, aux: { aux } }, step('posterize', { levels: 4 })], randomImage(5, 5, 3, 1));
    expect(kernelCounters()).to.include({ passes: 1, uploads: 2, downloads: 1 });
  });

  it('inlines each step once in the generated source', () => {
    const { source } = generateSource(toPassSteps(pointChain.slice(0, 3)), 'planar');
    expect(source.match(/\/\/ (sepia|levels|curves)/g)).to.deep.equal(['// sepia', '// levels', '// curves']);
  });

  it('rejects a malformed convolution matrix with a 400 before running', async () => {
    const err = await runKernelChain([step('convolution', { size: 5, matrix: '1 2 3' })], randomImage(3, 3, 3, 1)).catch((e) => e);
    expect(err).to.be.instanceOf(KernelParamError);
    expect(err).to.include({ statusCode: 400, code: 'IMGFLOW_ERR_PARAM_INVALID' });
    expect(err.message).to.equal('Expected 25 numbers (a 5x5 matrix) for matrix but received 1 2 3');
  });

  it('CPU path (bytes in, planar between passes, packed out) gives the pixels of the float channel layout', async () => {
    for (const channels of [1, 2, 3, 4] as const) {
      const img = randomImage(29, 11, channels, 40 + channels);
      const steps = toPassSteps([step('sepia', { scale: 0.7, srgb: true }), step('edge-sobel', { horizontal: true, vertical: true, 'keep-sign': false }),
        step('levels', { 'in-low': 0.1, 'in-high': 0.9, gamma: 0.8, 'out-low': 0, 'out-high': 1 }), step('pixelate', { 'size-x': 3, 'size-y': 2 })]);
      const cpu = await runSteps(steps, img);
      const channel = await runSteps(steps, img, 'channel');
      let max = 0;
      for (let i = 0; i < cpu.data.length; i++) max = Math.max(max, Math.abs(cpu.data[i] - channel.data[i]));
      expect(max, `${channels} channels`).to.be.at.most(1);
    }
  });

  it('getGpu shares the kernels\' gpu.js instance (one per process)', async () => {
    const a = await getGpu();
    const b = await getGpu();
    expect(a.gpu).to.equal(b.gpu);
    expect(a.info).to.include({ mode: 'cpu', kernelClass: 'CPUKernel' });
  });

  it('auto reuses a navigator.gpu someone else installed instead of creating a second Dawn instance', async () => {
    const g = globalThis as { navigator?: unknown };
    const previous = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    const fake = { requestAdapter: async () => null };
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: fake }, configurable: true, writable: true });
    try {
      const info = await configureGpu('auto');
      expect(info).to.include({ mode: 'cpu' });
      expect(info.fallbackReason).to.match(/no WebGPU adapter/);
      expect((g.navigator as { gpu: unknown }).gpu).to.equal(fake);
    } finally {
      if (previous) Object.defineProperty(globalThis, 'navigator', previous);
      else delete g.navigator;
      await configureGpu('cpu');
    }
  });

  it('falls back to cpu, without throwing, when headlessgl is asked for and absent', async () => {
    const info = await configureGpu('headlessgl');
    expect(info).to.include({ requested: 'headlessgl', mode: 'cpu', kernelClass: 'CPUKernel' });
    expect(info.fallbackReason).to.be.a('string');
    await configureGpu('cpu');
  });
});
