/**
 * Our GEGL-named operations against GEGL 0.4.42 itself: spec/fixtures/gegl/ holds a generated
 * photo-like input, GEGL's outputs for every case of cases.json (made by make-references.mts,
 * which needs GEGL; this spec does not) and the README with the measured figures. Each case runs
 * our operation with the same properties and compares per 8-bit channel, alpha removed: mean
 * absolute difference within the issue's 6/255. A random operation whose noise cannot be the
 * same as GEGL's (noise-cie-lch: GEGL draws from its own random table) is compared by the
 * statistics of its change to the input, with the tolerances below (GEGL's own figures move
 * that much from one seed to another; README.md).
 * A case with a `bound` is a difference not fixed yet (the README's table says "not met"): it is
 * held to about its measured figure so that a regression is noticed; the issue's 6/255 is not
 * claimed for it. A case with `mean` and `max` (imgflo's retro-curve) is held closer: its mean
 * per channel to `mean`, and every channel of every pixel to within `max` of GEGL's.
 * IMGFLOW_GEGL_REPORT=1 prints the figures for the README table.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import sharp from 'sharp';
import { registry, runGraph, singleNodeGraph } from '../_helpers/graphs.ts';
import { bindParameters, compileGraph, evaluatePlan } from '../../runtime/index.ts';
import type { Params } from '../../operations/define.ts';

const fixtures = fileURLToPath(new URL('../fixtures/gegl/', import.meta.url));
/** Per 8-bit channel: the issue's bound, not to be loosened per case. */
const MAX_MEAN_DIFFERENCE = 6;
/**
 * Random cases, per channel of (output - input) in 8-bit steps. GEGL's seeds 0..5 on the default
 * case spread by up to 0.63 in the mean and 1.9% in the standard deviation, and the channels'
 * correlation by 0.01 (README.md).
 */
const NOISE_MEAN = 1.25;
const NOISE_SPREAD = 0.03;
const NOISE_CORRELATION = 0.03;
const report = process.env.IMGFLOW_GEGL_REPORT === '1';

interface Case { name: string; gegl: string[]; component: string; params: Record<string, unknown>; compare?: 'pixels' | 'noise'; runs?: number; input?: string; bound?: number; mean?: number; max?: number; request?: Params }
const cases = JSON.parse(await readFile(join(fixtures, 'cases.json'), 'utf8')) as Case[];

async function rgb(bytes: Buffer) {
  const { data, info } = await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

type Rgb = Awaited<ReturnType<typeof rgb>>;

export function meanAbsPerChannel(a: Rgb, b: Rgb): number[] {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) throw new Error(`shape ${a.width}x${a.height}x${a.channels} != ${b.width}x${b.height}x${b.channels}`);
  const sums = new Array<number>(a.channels).fill(0);
  for (let i = 0; i < a.data.length; i++) sums[i % a.channels] += Math.abs(a.data[i] - b.data[i]);
  return sums.map((s) => (s * a.channels) / a.data.length);
}

/** The largest absolute difference of any channel of any pixel. */
function maxAbs(a: Rgb, b: Rgb): number {
  let max = 0;
  for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs(a.data[i] - b.data[i]));
  return max;
}

/**
 * Per channel of (output - input): mean, standard deviation, mean absolute value; and the
 * correlation of the changes of R and G, G and B, B and R (lightness noise moves the channels
 * together, hue and chroma noise apart).
 */
function changeStats(out: Rgb, input: Rgb): { mean: number[]; std: number[]; abs: number[]; correlation: number[] } {
  const n = out.data.length / out.channels;
  const sum = [0, 0, 0], sq = [0, 0, 0], abs = [0, 0, 0], cross = [0, 0, 0];
  for (let p = 0; p < n; p++) {
    const d = [0, 1, 2].map((c) => out.data[p * out.channels + c] - input.data[p * input.channels + c]);
    for (let c = 0; c < 3; c++) {
      sum[c] += d[c];
      sq[c] += d[c] * d[c];
      abs[c] += Math.abs(d[c]);
      cross[c] += d[c] * d[(c + 1) % 3];
    }
  }
  const mean = sum.map((s) => s / n);
  const std = sq.map((s, c) => Math.sqrt(s / n - mean[c] ** 2));
  return {
    mean,
    std,
    abs: abs.map((s) => s / n),
    correlation: cross.map((s, c) => (s / n - mean[c] * mean[(c + 1) % 3]) / (std[c] * std[(c + 1) % 3])),
  };
}

/**
 * A case with `request` runs as the server runs a request: the generic size parameters bound
 * (imgflo's width/height: the resize in front of the graph, and what the compiler derives from it).
 */
function runRequest(c: Case, input: Buffer) {
  const plan = bindParameters(compileGraph(c.name, singleNodeGraph(c.component, c.params), registry, { sizeParams: true }), c.request!);
  return evaluatePlan(plan, registry, { input, format: 'png' });
}

const fmt = (v: number[]) => v.map((x) => x.toFixed(2)).join(' / ');

describe('GEGL operations against GEGL 0.4.42', function () {
  this.timeout(60000);

  for (const c of cases) {
    const bound = c.mean ?? c.bound ?? MAX_MEAN_DIFFERENCE;
    const closer = c.max !== undefined ? `: within ${bound}/255 on average and ${c.max}/255 at most` : '';
    const title = `${c.component} (${c.gegl.join(' ')})${c.runs ? `: the mean of ${c.runs} GEGL runs` : ''}${closer}`;
    const label = c.bound ? `${title}: NOT within 6/255, held to its measured ${c.bound}/255`
      : c.compare === 'noise' ? `${title}: the change's statistics` : title;
    it(label, async () => {
      const inputPng = await readFile(join(fixtures, c.input ?? 'input.png'));
      const input = await rgb(inputPng);
      const ours = await rgb((await (c.request ? runRequest(c, inputPng) : runGraph(singleNodeGraph(c.component, c.params), inputPng, 'png'))).bytes);
      const gegl = await rgb(await readFile(join(fixtures, 'reference', `${c.name}.png`)));
      if (c.compare === 'noise') {
        const [o, g] = [changeStats(ours, input), changeStats(gegl, input)];
        if (report) console.log(`    ${c.name}: change mean ${fmt(o.mean)} (GEGL ${fmt(g.mean)}), std ${fmt(o.std)} (GEGL ${fmt(g.std)}), mean |change| ${fmt(o.abs)} (GEGL ${fmt(g.abs)}), R-G/G-B/B-R correlation ${fmt(o.correlation)} (GEGL ${fmt(g.correlation)})`);
        for (let ch = 0; ch < 3; ch++) {
          expect(Math.abs(o.mean[ch] - g.mean[ch]), `mean change of channel ${ch}`).to.be.at.most(NOISE_MEAN);
          expect(Math.abs(o.std[ch] / g.std[ch] - 1), `spread of the change of channel ${ch}`).to.be.at.most(NOISE_SPREAD);
          expect(Math.abs(o.abs[ch] / g.abs[ch] - 1), `mean absolute change of channel ${ch}`).to.be.at.most(NOISE_SPREAD);
          expect(Math.abs(o.correlation[ch] - g.correlation[ch]), `correlation of channel ${ch}'s change with the next`).to.be.at.most(NOISE_CORRELATION);
        }
        return;
      }
      const diff = meanAbsPerChannel(ours, gegl);
      const max = maxAbs(ours, gegl);
      if (report) console.log(`    ${c.name}: ${fmt(diff)}, max ${max}`);
      for (const [ch, d] of diff.entries()) expect(d, `channel ${ch}`).to.be.at.most(bound);
      if (c.max !== undefined) expect(max, 'largest difference').to.be.at.most(c.max);
    });
  }
});
