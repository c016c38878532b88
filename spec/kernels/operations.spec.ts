import { expect } from 'chai';
import type { OperationDef, Params, RawImage } from '../../operations/define.ts';
import { configureGpu, runKernelChain } from '../../operations/kernels/index.ts';
import { runSteps, toPassSteps, type Layout } from '../../operations/kernels/chain.ts';
import { kernelOperations } from '../../operations/kernels/catalog.ts';
import { compare, randomImage, references, toF } from './reference.ts';

const op = (name: string): OperationDef => kernelOperations.find((o) => o.name === name)!;

/** Every operation's parameters with defaults filled, as the runtime would pass them. */
function withDefaults(def: OperationDef, p: Params): Params {
  const out: Params = {};
  for (const [k, spec] of Object.entries(def.params)) if (spec.default !== undefined) out[k] = spec.default;
  return { ...out, ...p };
}

interface Case { name: string; params: Params; aux?: boolean }

const cases: Case[] = [
  { name: 'sepia', params: {} },
  { name: 'sepia', params: { scale: 0.4, srgb: false } },
  { name: 'gradient-map', params: {} },
  { name: 'gradient-map', params: { srgb: true, color1: '#0a2a2fff', color2: '#fde7a0ff', color3: '#ff000080', stop2: 0.5, stop3: 0.8, opacity: 0.7 } },
  { name: 'gradient-map', params: { srgb: false, color1: '#0a2a2fff', color2: '#fde7a0ff', color3: '#ff000080', color4: '#30c0ffff', stop2: 0.02, stop3: 0.5, stop4: 0.9, opacity: 0.8 } },
  { name: 'curves', params: { preset: 'prog' } },
  { name: 'curves', params: { preset: 'brannan', strength: 0.6 } },
  { name: 'retro-curve', params: { preset: 'prog' } },
  { name: 'retro-curve', params: { preset: 'indie' } },
  { name: 'retro-curve', params: { preset: 'country' } },
  { name: 'retro-curve', params: { preset: 'prog', path: 'float' } },
  { name: 'retro-curve', params: { preset: 'indie', path: 'float' } },
  { name: 'retro-curve', params: { preset: 'country', path: 'float' } },
  { name: 'levels', params: { 'in-low': 0.1, 'in-high': 0.8, gamma: 1.6, 'out-low': 0.05, 'out-high': 0.95 } },
  // the gamma table's extremes: steepest near 0 (gamma 10) and flattest (gamma 0.1)
  { name: 'levels', params: { 'in-low': 0.02, gamma: 10 } },
  { name: 'levels', params: { 'in-high': 0.97, gamma: 0.1, 'out-low': 0.1 } },
  { name: 'color-matrix', params: { matrix: '0.5 0.3 0.2 0.1, 0 1 0 0, 0.2 0.2 0.6 -0.05' } },
  { name: 'color-matrix', params: { matrix: '1 0 0 0 0  0 1 0 0 0  0 0 1 0 0  0 0 0 0.5 0.1' } },
  // rows that are weighted means of 0..1 values: no clamps in the source
  { name: 'color-matrix', params: { matrix: '0.6 0.3 0.1 0, 0.2 0.7 0 0.1, 0.1 0.2 0.5 0.2' } },
  { name: 'posterize', params: { levels: 4 } },
  { name: 'vignette', params: { color: '#202040ff', lighten: 0.2 } },
  // no lighten: the mix-only source
  { name: 'vignette', params: { strength: 0.6, radius: 0.3 } },
  { name: 'blend', params: { mode: 'normal', opacity: 0.5 }, aux: true },
  { name: 'blend', params: { mode: 'multiply' }, aux: true },
  { name: 'blend', params: { mode: 'screen', srgb: false }, aux: true },
  { name: 'blend', params: { mode: 'overlay', opacity: 0.8 }, aux: true },
  { name: 'blend', params: { mode: 'soft-light' }, aux: true },
  { name: 'blend', params: { mode: 'color-dodge', opacity: 0.7 }, aux: true },
  { name: 'blend', params: { mode: 'difference' }, aux: true },
  { name: 'edge-sobel', params: {} },
  { name: 'edge-sobel', params: { vertical: false, 'keep-sign': true } },
  { name: 'edge-sobel', params: { linear: true } },
  { name: 'edge-sobel', params: { horizontal: false, 'keep-sign': true, linear: true } },
  { name: 'brightness-contrast-linear', params: { contrast: 1.3, brightness: 0.1 } },
  { name: 'brightness-contrast-linear', params: { contrast: -0.5, brightness: -0.2 } },
  { name: 'noise-reduction', params: { iterations: 2 } },
  { name: 'pixelate', params: { 'size-x': 4, 'size-y': 3 } },
  { name: 'pixelate', params: { 'size-x': 40, 'size-y': 40 } },
  { name: 'unsharp-mask', params: { 'std-dev': 1.2, scale: 1.5, threshold: 0.02 } },
  { name: 'convolution', params: { size: 3, matrix: '0 -1 0 -1 5 -1 0 -1 0' } },
  { name: 'convolution', params: { size: 5, matrix: Array.from({ length: 25 }, (_, i) => (i % 3) - 0.5).join(' '), divisor: 3, offset: 0.1 } },
  { name: 'noise', params: { seed: 7 } },
  { name: 'noise', params: { seed: 3, holdness: 1, 'lightness-distance': 20, 'chroma-distance': 60, 'hue-distance': 30 } },
  { name: 'noise', params: { holdness: 8, 'hue-distance': 180 } },
];

// 1x1 and 3x1001 (odd sizes), a 17x13 with alpha; channel counts 1..4 all appear.
const images: Array<[number, number, 1 | 2 | 3 | 4]> = [[1, 1, 4], [3, 1001, 3], [17, 13, 2], [16, 9, 1]];
/** Errors in 8-bit steps: float32 arithmetic and rounding at a .5 boundary allow one step. */
const BOUND_MAX = 1;
/**
 * Off-by-ones that are not ties (compare() lets an exact x.5 go either way): float32 landing on
 * the other side of a midpoint it is near, a few percent of values.
 */
const BOUND_MEAN = 0.1;

/**
 * A case's images are seeded from what it is (operation and parameters), not from where it
 * stands in the list: adding or removing a case changes no other case's images. (FNV-1a.)
 */
function caseSeed(c: Case): number {
  let h = 2166136261;
  for (const ch of `${c.name} ${JSON.stringify(c.params)}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

describe('kernel operations against plain-JS references (gpu.js cpu mode)', function () {
  this.timeout(60000);
  const report: string[] = [];
  before(async () => { await configureGpu('cpu'); });
  after(() => { if (process.env.IMGFLOW_KERNEL_REPORT) console.log(report.join('\n')); });

  cases.forEach((c) => {
    const seed = caseSeed(c);
    const def = op(c.name);
    const params = withDefaults(def, c.params);
    it(`${c.name} ${JSON.stringify(c.params)}`, async () => {
      for (const [w, h, ch] of images) {
        const img = randomImage(w, h, ch, seed + w);
        const auxImg: RawImage | undefined = c.aux ? randomImage(Math.max(1, w - 1), h + 1, 4, seed + 99) : undefined;
        const want = references[c.name](toF(img), params, auxImg && toF(auxImg));
        const aux: Record<string, RawImage> = auxImg ? { aux: auxImg } : {};
        const steps = [{ op: def, params, aux }];
        const layouts: Array<[Layout, RawImage]> = [
          ['planar', await runKernelChain(steps, img)],
          ['channel', await runSteps(toPassSteps(steps), img, 'channel')],
        ];
        for (const [layout, out] of layouts) {
          expect(out.channels).to.equal(4);
          expect([out.width, out.height]).to.deep.equal([w, h]);
          const e = compare(out, want);
          report.push(`${c.name.padEnd(20)} ${JSON.stringify(c.params).slice(0, 50).padEnd(52)} ${w}x${h}x${ch} ${layout.padEnd(7)} max ${e.max} mean ${e.mean.toFixed(4)}`);
          expect(e.max, `${layout} ${w}x${h}x${ch}: max error ${e.max} at ${e.at}`).to.be.at.most(BOUND_MAX);
          expect(e.mean, `${layout} ${w}x${h}x${ch}`).to.be.at.most(BOUND_MEAN);
        }
      }
    });
  });

  it('every kernel operation has at least one reference case', () => {
    const covered = new Set(cases.map((c) => c.name));
    expect(kernelOperations.map((o) => o.name).filter((n) => !covered.has(n))).to.deep.equal([]);
  });
});
