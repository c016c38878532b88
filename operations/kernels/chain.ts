/**
 * Fusion: turns a run of kernel steps into passes, generates one gpu.js kernel per pass
 * shape, caches it, and moves pixels in and out. Layout and rule: README.md.
 */
import type { Params, RawImage } from '../define.ts';
import { descriptorOf, type KernelDescriptor, type KernelSource, type KernelStep } from './descriptor.ts';
import { backend, backendGeneration, type GpuJs, type GpuKernel } from './backend.ts';
import { download, toRgba, upload, type KernelOutput } from './pixels.ts';

/**
 * `planar`: one thread per pixel; r is the kernel result, g/b/a come out through a gpu.js
 * kernel map. Used on the CPU backend between passes, where returning Array(4) allocates per
 * pixel.
 * `packed`: one thread per pixel; the result is the pixel's 8-bit r, g, b packed in one
 * float (r * 65536 + g * 256 + b, exact in float32), alpha comes out through a one-entry
 * kernel map. Used for the last pass on the CPU backend: every gpu.js kernel-map output costs
 * a boxed number per pixel there, so one map entry instead of three.
 * `packed-rgb`: `packed` without the alpha map, when no step of the pass writes alpha (see
 * KernelDescriptor.writesAlpha): the download takes alpha from the pass input.
 * `channel`: one thread per channel value (output [4w, h]); each thread evaluates the chain
 * for its pixel and returns one channel. Used on GPU backends (WebGPU has no kernel maps).
 */
export type Layout = 'planar' | 'packed' | 'packed-rgb' | 'channel';

/**
 * What a pass reads: `float` (RGBA float32, the upload or the previous pass's output) or, for
 * the first pass on the CPU backend, the RawImage's own bytes with 1-4 channels (no upload
 * copy; the kernel scales by 1/255 and expands grey / adds opaque alpha itself).
 */
export type PassInput = 'float' | 1 | 2 | 3 | 4;

export interface PassStep { name: string; desc: KernelDescriptor; params: Params; aux?: RawImage }

export interface KernelCounters { passes: number; uploads: number; downloads: number; compiles: number }
const counters: KernelCounters = { passes: 0, uploads: 0, downloads: 0, compiles: 0 };

/** Totals since the process started (or the last reset): lets a test prove fusion. */
export function kernelCounters(): Readonly<KernelCounters> {
  return { ...counters };
}
export function resetKernelCounters(): void {
  counters.passes = counters.uploads = counters.downloads = counters.compiles = 0;
}

/**
 * The fusion rule: a pass is at most one neighbourhood op, at its start, followed by any
 * number of point ops. A neighbourhood op reads its input at other pixels, so that input
 * must exist as a whole image: it is the previous pass's output (or the upload).
 */
export function splitPasses(steps: PassStep[], fuse = true): PassStep[][] {
  const passes: PassStep[][] = [];
  for (const step of steps) {
    // repeat: 0 makes an iterating op a no-op (noise-reduction with iterations=0).
    const times = step.desc.kind === 'neighbourhood' ? Math.max(0, Math.floor(step.desc.repeat?.(step.params) ?? 1)) : 1;
    for (let t = 0; t < times; t++) {
      const last = passes[passes.length - 1];
      if (fuse && step.desc.kind === 'point' && last) last.push(step);
      else passes.push([step]);
    }
  }
  return passes;
}

/**
 * Whether r, g, b are known to be in 0..1 after `pass`, given whether they were before it.
 * The pass inputs we make (bytes / 255, the float upload) are; a later pass's input is
 * whatever the pass before it left.
 */
export function unitAfter(pass: PassStep[], unitIn: boolean): boolean {
  let unit = unitIn;
  for (const s of pass) {
    const range = s.desc.range?.(s.params);
    unit = range === 'unit' || (range === 'keeps-unit' && unit);
  }
  return unit;
}

/** Kernel expression for channel `c` of the pass input at pixel index `idx` (y * w + x). */
function inputRead(input: PassInput, idx: string, c: number): string {
  const k = '0.00392156862745098'; // 1 / 255
  switch (input) {
    case 'float': return `img[(${idx}) * 4 + ${c}]`;
    case 4: return `img[(${idx}) * 4 + ${c}] * ${k}`;
    case 3: return c < 3 ? `img[(${idx}) * 3 + ${c}] * ${k}` : '1.0';
    case 2: return `img[(${idx}) * 2${c < 3 ? '' : ' + 1'}] * ${k}`;
    case 1: return c < 3 ? `img[${idx}] * ${k}` : '1.0';
  }
}

/**
 * A uniform's value as a kernel literal: the float32 the uniform array would hold, so baking
 * it in changes no result. Undefined for non-finite values (they stay array reads).
 */
function literal(v: number): string | undefined {
  const f = Math.fround(v);
  if (!Number.isFinite(f)) return undefined;
  const text = Number.isInteger(f) ? f.toFixed(1) : String(f);
  return f < 0 ? `(${text})` : text;
}

/**
 * Generates the kernel function source for a pass (exported for tests and curious readers).
 * `unitIn`: whether r, g, b are in 0..1 where the pass starts (see unitAfter). `constants`:
 * the pass's uniform values, to bake the fixed-slot ones (`k.p(i)`) into the source as
 * literals (lookup tables read through `k.pAt` stay array reads).
 */
export function generateSource(pass: PassStep[], layout: Layout, input: PassInput = 'float', unitIn = true,
  constants?: ArrayLike<number>): { source: string } {
  const args = ['img', 'p', 'w', 'h'];
  const body: string[] = [];
  if (layout === 'channel') {
    body.push('const x = Math.floor(this.thread.x / 4);', 'const ch = this.thread.x - x * 4;');
  } else {
    body.push('const x = this.thread.x;');
  }
  body.push('const y = this.thread.y;', 'const i0 = y * w + x;',
    ...['r', 'g', 'b', 'a'].map((c, n) => `let ${c} = ${inputRead(input, 'i0', n)};`));
  let offset = 0;
  let auxCount = 0;
  let unit = unitIn;
  const clamp01 = (c: string) => (unit ? c : `Math.min(Math.max(${c}, 0.0), 1.0)`);
  pass.forEach((step, n) => {
    const v = (name: string) => `s${n}_${name}`;
    const base = offset;
    const aux = { r: v('ar'), g: v('ag'), b: v('ab'), a: v('aa') };
    if (step.aux) {
      const j = auxCount++;
      args.push(`aux${j}`, `aw${j}`, `ah${j}`);
      body.push(`let ${aux.r} = 0.0;`, `let ${aux.g} = 0.0;`, `let ${aux.b} = 0.0;`, `let ${aux.a} = 0.0;`,
        `if (x < aw${j} && y < ah${j}) {`,
        `  const ${v('ai')} = (y * aw${j} + x) * 4;`,
        `  ${aux.r} = aux${j}[${v('ai')}]; ${aux.g} = aux${j}[${v('ai')} + 1]; ${aux.b} = aux${j}[${v('ai')} + 2]; ${aux.a} = aux${j}[${v('ai')} + 3];`,
        '}');
    }
    const k: KernelSource = {
      p: (i) => (constants && literal(constants[base + i])) || `p[${base + i}]`,
      pAt: (index) => `p[${base} + (${index})]`,
      v,
      img: (dx, dy, c) =>
        inputRead(input, `Math.min(Math.max(y + (${dy}), 0), h - 1) * w + Math.min(Math.max(x + (${dx}), 0), w - 1)`, c),
      aux,
      unit: clamp01,
      unitIn: unit,
    };
    body.push(`// ${step.name}`, step.desc.source(k, step.params));
    offset += step.desc.uniforms(step.params).length;
    unit = unitAfter([step], unit);
  });
  if (layout === 'channel') {
    body.push('if (ch < 0.5) { return r; }', 'if (ch < 1.5) { return g; }', 'if (ch < 2.5) { return b; }', 'return a;');
  } else if (layout === 'packed' || layout === 'packed-rgb') {
    // round half up, clamp to 0..255 (NaN packs as NaN, which the download turns into 0)
    const byte = (c: string) => `Math.floor(${clamp01(c)} * 255.0 + 0.5)`;
    if (layout === 'packed') body.push('outA(a);');
    body.push(`return ${byte('r')} * 65536.0 + ${byte('g')} * 256.0 + ${byte('b')};`);
  } else {
    body.push('outG(g);', 'outB(b);', 'outA(a);', 'return r;');
  }
  return { source: `function (${args.join(', ')}) {\n${body.join('\n')}\n}` };
}

/**
 * Compiled kernels by source, least recently used first. On GPU backends the source depends
 * on the passes' structure only, so this holds a few entries; on the CPU backend each set of
 * parameter values used more than once adds one with its values baked in (chooseSource).
 */
const cache = new Map<string, GpuKernel>();
let cacheGeneration = -1;
/** Compiled kernels kept (a CPU kernel is a few KB of JS). */
export const KERNEL_CACHE_SIZE = 64;

export function compiledKernelCount(): number {
  return cache.size;
}

const MAP3 = {
  g: function outG(v: number) { return v; },
  b: function outB(v: number) { return v; },
  a: function outA(v: number) { return v; },
};
const MAP_ALPHA = { a: MAP3.a };

function compile(gpu: GpuJs, source: string, layout: Layout): GpuKernel {
  if (cacheGeneration !== backendGeneration()) {
    cache.clear();
    cacheGeneration = backendGeneration();
  }
  let kernel = cache.get(source);
  if (kernel) {
    cache.delete(source);
    cache.set(source, kernel);
    return kernel;
  }
  const settings = {
    output: layout === 'channel' ? [4, 1] : [1, 1],
    dynamicOutput: true,
    dynamicArguments: true,
    precision: 'single',
    tactic: 'precision',
    loopMaxIterations: 4096,
  };
  kernel = layout === 'channel' || layout === 'packed-rgb'
    ? gpu.createKernel(source, settings)
    : gpu.createKernelMap(layout === 'packed' ? MAP_ALPHA : MAP3, source, settings);
  counters.compiles++;
  cache.set(source, kernel);
  if (cache.size > KERNEL_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return kernel;
}

/** Uses of each baked source seen lately (bounded like the kernel cache, but by count). */
const seen = new Map<string, number>();
/** A set of parameter values is baked from its second use on (see chooseSource). */
export const BAKE_AFTER_USES = 2;

/**
 * Which source runs a pass. GPU backends: uniforms as arguments, always (a shader compile
 * costs far more than a uniform read saves). CPU backend, tiered like a JIT: the generic
 * kernel (uniforms as arguments) compiles once per pass shape and stays optimised by V8
 * whatever the values; once the same values come back, a kernel with them baked in as
 * literals, which V8 folds, is compiled for them. Measured on the 6-op bench chain (bench/kernels.ts
 * --breakdown): baked 224 vs generic 270 ms at 2048x2048; but the call that bakes (compile and
 * a cold run) took 39 ms against the generic kernel's 17 at 512x512 and 77 vs 67 at 1024x1024,
 * which baking on first use made every new set of values (each Flowhub slider move) pay.
 */
function chooseSource(pass: PassStep[], layout: Layout, input: PassInput, unitIn: boolean, p: Float32Array): string {
  const generic = generateSource(pass, layout, input, unitIn).source;
  if (layout === 'channel') return generic;
  const baked = generateSource(pass, layout, input, unitIn, p).source;
  if (baked === generic) return generic;
  const uses = (seen.get(baked) ?? 0) + 1;
  seen.delete(baked);
  seen.set(baked, uses);
  if (seen.size > 4 * KERNEL_CACHE_SIZE) seen.delete(seen.keys().next().value as string);
  return uses >= BAKE_AFTER_USES ? baked : generic;
}

// gpu.js kernels are stateful (setOutput) and WebGPU calls are asynchronous: one at a time.
let queue: Promise<unknown> = Promise.resolve();
function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn, fn);
  queue = run.catch(() => undefined);
  return run;
}

export function layoutFor(mode: string): Layout {
  return mode === 'cpu' ? 'planar' : 'channel';
}

/** Whether a pass leaves alpha as its input had it: point steps only, none writing alpha. */
export function keepsAlpha(pass: PassStep[]): boolean {
  return pass.every((s) => s.desc.kind === 'point' && !s.desc.writesAlpha?.(s.params));
}

/**
 * Runs kernel steps over an image: consecutive point ops fuse into one pass (one upload, one
 * download). Output: RGBA, 8-bit, same size as the input.
 * On the CPU backend the first pass reads the image's bytes and the last pass packs its
 * output (see PassInput and Layout); `forceLayout` runs every pass in one layout, from
 * float uploads (tests use it for the `channel` layout the GPU backends get). `fuse: false` runs
 * one pass per op (bench/kernels.ts measures what fusion saves with it).
 */
export async function runSteps(steps: PassStep[], img: RawImage, forceLayout?: Layout, fuse = true): Promise<RawImage> {
  for (const s of steps) s.desc.validate?.(s.params);
  const { gpu, info } = await backend();
  const base = forceLayout ?? layoutFor(info.mode);
  const cpuPath = !forceLayout && base === 'planar';
  const { width: w, height: h } = img;
  const passes = splitPasses(steps, fuse);
  if (passes.length === 0) return toRgba(img);
  let current: Float32Array | Buffer = cpuPath ? img.data : upload(img);
  counters.uploads++;
  let unitIn = true;
  for (let n = 0; n < passes.length; n++) {
    const pass = passes[n];
    const last = n === passes.length - 1;
    // the last CPU pass packs its output; alpha comes from its input when no step changes it
    const layout: Layout = cpuPath && last ? (keepsAlpha(pass) ? 'packed-rgb' : 'packed') : base;
    const input: PassInput = cpuPath && n === 0 ? img.channels as 1 | 2 | 3 | 4 : 'float';
    const uniforms = pass.flatMap((s) => s.desc.uniforms(s.params, { width: w, height: h }));
    const p = new Float32Array(Math.max(1, uniforms.length));
    p.set(uniforms);
    const source = chooseSource(pass, layout, input, unitIn, p);
    const args: unknown[] = [current, p, w, h];
    for (const s of pass) {
      if (!s.aux) continue;
      args.push(upload(s.aux), s.aux.width, s.aux.height);
      counters.uploads++;
    }
    if (n > 0) counters.uploads++;
    const out = await exclusive(async () => {
      const kernel = compile(gpu, source, layout);
      kernel.setOutput(layout === 'channel' ? [w * 4, h] : [w, h]);
      return (await kernel(...args)) as KernelOutput;
    });
    counters.passes++;
    counters.downloads++;
    const alphaFrom = { data: current, channels: input === 'float' ? 4 : input, scale: input === 'float' ? 255 : 1 };
    const result = download(out, w, h, layout, last, alphaFrom);
    if (last) return result as RawImage;
    current = result as Float32Array;
    unitIn = unitAfter(pass, unitIn);
  }
  throw new Error('unreachable');
}

export function toPassSteps(steps: KernelStep[]): PassStep[] {
  return steps.map((s) => {
    const desc = descriptorOf(s.op);
    const step: PassStep = { name: s.op.name, desc, params: s.params };
    if (desc.auxPort) {
      // No aux connected: a transparent 1x1 image, so the op sees transparency everywhere.
      step.aux = s.aux[desc.auxPort] ?? { data: Buffer.alloc(4), width: 1, height: 1, channels: 4 };
    }
    return step;
  });
}
