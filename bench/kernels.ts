/**
 * Kernel bench (run on demand, never in npm test):
 *   node --import tsx bench/kernels.ts [--gpu auto|webgpu|cpu] [--size 2048] [--runs 3] [--warmup 3] [--image photo|noise] [--chains-only | --breakdown]
 * Per operation on a size x size RGBA image: sharp where it has the operation, gpu.js on the
 * backend found; then chains of 3 and 6 point kernels fused (one pass) vs unfused (one pass
 * per op inside the kernel layer, and one kernel call per op). Times are medians of --runs after one warm-up, and include upload and download.
 * On a GPU backend it also prints bytes moved / time for the fused chains.
 */
import sharp from 'sharp';
import type { OperationDef, Params, RawImage } from '../operations/define.ts';
import { configureGpu, kernelCounters, resetKernelCounters, runKernelChain } from '../operations/kernels/index.ts';
import { kernelOperations } from '../operations/kernels/catalog.ts';
import { photoLikePixels } from './lib/photo-like.ts';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const size = Number(arg('size', '2048'));
const runs = Number(arg('runs', '3'));
const warmup = Number(arg('warmup', '3'));
const mode = arg('gpu', 'cpu') as 'auto' | 'webgpu' | 'cpu';
const chainsOnly = process.argv.includes('--chains-only');
const breakdown = process.argv.includes('--breakdown');
const imageKind = arg('image', 'photo');

const op = (name: string): OperationDef => kernelOperations.find((o) => o.name === name)!;
const step = (name: string, params: Params = {}) => {
  const def = op(name);
  const full: Params = {};
  for (const [k, s] of Object.entries(def.params)) if (s.default !== undefined) full[k] = s.default;
  return { op: def, params: { ...full, ...params }, aux: {} as Record<string, RawImage> };
};

/**
 * Median of --runs after --warmup calls; `min` too, which the other users of a shared box
 * disturb least. A kernel is one call over all pixels, so V8 needs a few calls (OSR first,
 * then the whole function) before it runs at its steady speed: 3 by default.
 */
async function timeBoth(fn: () => Promise<unknown>): Promise<{ median: number; min: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await fn();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return { median: t[Math.floor(t.length / 2)], min: t[0] };
}
const time = async (fn: () => Promise<unknown>) => (await timeBoth(fn)).median;

const info = await configureGpu(mode);
console.log(`# gpu: ${JSON.stringify(info)}`);
console.log(`# node ${process.version}, ${size}x${size} RGBA (${imageKind}), median of ${runs} after ${warmup} warm-up calls`);

/**
 * `photo` (default): bench/lib/photo-like.ts's formula (gradients, a
 * sinusoid, LCG noise) at size x size, opaque: neighbouring pixels alike, as in the images a
 * server sees. `noise`: every byte hashed, the worst case for the branches in min/max clamps.
 */
const raw = imageKind === 'noise' ? Buffer.alloc(size * size * 4) : photoLikePixels(size, size, 4);
if (imageKind === 'noise') for (let i = 0; i < raw.length; i++) raw[i] = (i * 2654435761) >>> 24;
const img: RawImage = { data: raw, width: size, height: size, channels: 4 };
const sharpIn = () => sharp(raw, { raw: { width: size, height: size, channels: 4 } });

/** sharp equivalents where sharp has the operation. */
const sharpOps: Record<string, () => Promise<unknown>> = {
  'color-matrix': () => sharpIn().recomb([[0.9, 0.1, 0], [0, 1, 0], [0, 0.1, 0.9]]).raw().toBuffer(),
  sepia: () => sharpIn().recomb([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]]).raw().toBuffer(),
  levels: () => sharpIn().linear(1.25, -12).gamma(1.2).raw().toBuffer(),
  convolution: () => sharpIn().convolve({ width: 3, height: 3, kernel: [0, -1, 0, -1, 5, -1, 0, -1, 0] }).raw().toBuffer(),
  'unsharp-mask': () => sharpIn().sharpen({ sigma: 1.5 }).raw().toBuffer(),
  'edge-sobel': () => sharpIn().convolve({ width: 3, height: 3, kernel: [-1, 0, 1, -2, 0, 2, -1, 0, 1] }).raw().toBuffer(),
};

const perOp: Array<[string, Params, Record<string, RawImage>?]> = [
  ['gradient-map', { color1: '#0a2a2fff', color2: '#fde7a0ff' }],
  ['curves', { preset: 'brannan' }],
  ['levels', { 'in-low': 0.05, 'in-high': 0.9, gamma: 1.2 }],
  ['color-matrix', { matrix: '0.9 0.1 0 0 1 0 0 0.1 0.9' }],
  ['vignette', {}],
  ['blend', { mode: 'soft-light' }, { aux: img }],
  ['posterize', { levels: 6 }],
  ['sepia', {}],
  ['noise', {}],
  ['edge-sobel', {}],
  ['noise-reduction', { iterations: 1 }],
  ['pixelate', { 'size-x': 8, 'size-y': 8 }],
  ['unsharp-mask', { 'std-dev': 1.5 }],
  ['convolution', { size: 3, matrix: '0 -1 0 -1 5 -1 0 -1 0' }],
];

const chain6 = [
  step('sepia', { scale: 0.5 }), step('levels', { 'in-low': 0.05, 'in-high': 0.95, gamma: 1.2 }),
  step('curves', { preset: 'indie', strength: 0.8 }), step('posterize', { levels: 32 }),
  step('vignette', { strength: 0.5 }), step('color-matrix', { matrix: '0.9 0.1 0 0 1 0 0 0.1 0.9' }),
];


if (breakdown) {
  // Where a fused pass's time goes, on the 6-op chain. First: the first calls in this fresh
  // process (why the other tables warm up).
  const first: string[] = [];
  for (let i = 0; i < 6; i++) {
    const t = performance.now();
    await runKernelChain(chain6, img);
    first.push((performance.now() - t).toFixed(0));
  }
  console.log(`\nfirst calls of the fused 6-chain in a fresh process: ${first.join(', ')} ms`);
  // Leave one op out: what each costs inside the fused pass; an identity colour matrix (no
  // clamps, no work to speak of) stands for the pass itself.
  console.log('\n| fused pass | min ms | op cost (all 6 - this) |\n|---|---:|---:|');
  const all = (await timeBoth(() => runKernelChain(chain6, img))).min;
  console.log(`| all 6 | ${all.toFixed(0)} | |`);
  for (let i = 0; i < chain6.length; i++) {
    const t = (await timeBoth(() => runKernelChain(chain6.filter((_, j) => j !== i), img))).min;
    console.log(`| without ${chain6[i].op.name} | ${t.toFixed(0)} | ${(all - t).toFixed(0)} |`);
  }
  const pass = (await timeBoth(() => runKernelChain([step('color-matrix', { matrix: '1 0 0 0 1 0 0 0 1' })], img))).min;
  console.log(`| identity colour matrix (the pass alone) | ${pass.toFixed(0)} | |`);
  // Baked vs generic kernel (chain.ts chooseSource): values never seen before run the generic
  // kernel; the second use of a set of values compiles a baked one.
  let fresh = 0;
  const freshChain = () => chain6.map((s, i) => (i === 4 ? step('vignette', { strength: 0.3 + ++fresh * 1e-4 }) : s));
  const generic = (await timeBoth(() => runKernelChain(freshChain(), img))).min;
  const baked = (await timeBoth(() => runKernelChain(chain6, img))).min;
  const bakingCalls: number[] = [];
  for (let i = 0; i < runs; i++) {
    const values = freshChain();
    await runKernelChain(values, img);
    const t = performance.now();
    await runKernelChain(values, img); // second use: compiles the baked kernel and runs it cold
    bakingCalls.push(performance.now() - t);
  }
  console.log(`\n6-chain, min ms: generic kernel (new values each call) ${generic.toFixed(0)}, baked kernel (same values) ${baked.toFixed(0)}, the call that bakes (compile + cold run) ${Math.min(...bakingCalls).toFixed(0)}`);
  process.exit(0);
}

if (!chainsOnly) console.log('\n| operation | sharp ms | gpu.js ms |\n|---|---:|---:|');
for (const [name, params, aux] of chainsOnly ? [] : perOp) {
  const s = { ...step(name, params), aux: aux ?? {} };
  const k = await time(() => runKernelChain([s], img));
  const sh = sharpOps[name] ? (await time(sharpOps[name])).toFixed(0) : '-';
  console.log(`| ${name} | ${sh} | ${k.toFixed(0)} |`);
}

// Two baselines for "the same operations unfused" (see kernels.md):
// - passes: the kernel layer with fusion off, one pass per op, floats between passes;
// - nodes: one runKernelChain call per op, 8-bit RawImage between ops, as separate graph
//   stages would run them.
console.log('\n| chain | fused ms (passes) | unfused passes ms (passes) | speed-up | unfused nodes ms (passes) | speed-up |\n|---|---:|---:|---:|---:|---:|');
const ms = (t: { median: number; min: number }) => `${t.median.toFixed(0)} (min ${t.min.toFixed(0)})`;
const ratio = (a: { median: number; min: number }, b: { median: number; min: number }) => `${(a.median / b.median).toFixed(2)}x (min ${(a.min / b.min).toFixed(2)}x)`;
for (const n of [3, 6]) {
  const chain = chain6.slice(0, n);
  const passesOf = async (fn: () => Promise<unknown>) => {
    resetKernelCounters();
    const t = await timeBoth(fn);
    return { t, passes: kernelCounters().passes / (runs + warmup) };
  };
  const fused = await passesOf(() => runKernelChain(chain, img));
  const layer = await passesOf(() => runKernelChain(chain, img, { fuse: false }));
  const nodes = await passesOf(async () => {
    let cur = img;
    for (const s of chain) cur = await runKernelChain([s], cur);
  });
  console.log(`| ${n} point ops | ${ms(fused.t)} (${fused.passes}) | ${ms(layer.t)} (${layer.passes}) | ${ratio(layer.t, fused.t)} | ${ms(nodes.t)} (${nodes.passes}) | ${ratio(nodes.t, fused.t)} |`);
  if (info.mode !== 'cpu') {
    // host RGBA float in + out per pass; what the device must at least move
    const bytes = size * size * 4 * 4 * 2;
    console.log(`|   bytes moved / time (fused) | ${(bytes / fused.t.median / 1e6).toFixed(2)} GB/s | | | | |`);
  }
}
