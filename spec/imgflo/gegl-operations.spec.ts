/**
 * Our GEGL-named operations against GEGL 0.4.42 itself: spec/fixtures/gegl/ holds a generated
 * photo-like input, GEGL's outputs for every case of cases.json (made by make-references.mts,
 * which needs GEGL; this spec does not) and the README with the measured figures. Each case runs
 * our operation with the same properties and compares per 8-bit channel, alpha removed: mean
 * absolute difference within the issue's 6/255. A random operation whose noise cannot be the
 * same as GEGL's (noise-cie-lch) is compared by the statistics of its change to the input.
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
import { runGraph, singleNodeGraph } from '../_helpers/graphs.ts';

const fixtures = fileURLToPath(new URL('../fixtures/gegl/', import.meta.url));
/** Per 8-bit channel: the issue's bound, not to be loosened per case. */
const MAX_MEAN_DIFFERENCE = 6;
const report = process.env.IMGFLOW_GEGL_REPORT === '1';

interface Case { name: string; gegl: string[]; component: string; params: Record<string, unknown>; compare?: 'pixels' | 'noise'; runs?: number; input?: string; bound?: number; mean?: number; max?: number }
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

/** Mean and standard deviation, per channel, of (output - input). */
function changeStats(out: Rgb, input: Rgb): { mean: number[]; std: number[] } {
  const n = out.data.length / out.channels;
  const sum = new Array<number>(out.channels).fill(0), sq = new Array<number>(out.channels).fill(0);
  for (let i = 0; i < out.data.length; i++) {
    const d = out.data[i] - input.data[i];
    sum[i % out.channels] += d;
    sq[i % out.channels] += d * d;
  }
  const mean = sum.map((s) => s / n);
  return { mean, std: sq.map((s, c) => Math.sqrt(s / n - mean[c] ** 2)) };
}

const fmt = (v: number[]) => v.map((x) => x.toFixed(2)).join(' / ');

describe('GEGL operations against GEGL 0.4.42', function () {
  this.timeout(60000);

  for (const c of cases) {
    const bound = c.mean ?? c.bound ?? MAX_MEAN_DIFFERENCE;
    const closer = c.max !== undefined ? `: within ${bound}/255 on average and ${c.max}/255 at most` : '';
    const title = `${c.component} (${c.gegl.join(' ')})${c.runs ? `: the mean of ${c.runs} GEGL runs` : ''}${closer}`;
    it(c.bound ? `${title}: NOT within 6/255, held to its measured ${c.bound}/255` : title, async () => {
      const inputPng = await readFile(join(fixtures, c.input ?? 'input.png'));
      const input = await rgb(inputPng);
      const ours = await rgb((await runGraph(singleNodeGraph(c.component, c.params), inputPng, 'png')).bytes);
      const gegl = await rgb(await readFile(join(fixtures, 'reference', `${c.name}.png`)));
      if (c.compare === 'noise') {
        const [o, g] = [changeStats(ours, input), changeStats(gegl, input)];
        if (report) console.log(`    ${c.name}: change mean ${fmt(o.mean)} (GEGL ${fmt(g.mean)}), std ${fmt(o.std)} (GEGL ${fmt(g.std)})`);
        for (let ch = 0; ch < 3; ch++) {
          expect(Math.abs(o.mean[ch] - g.mean[ch]), `mean change of channel ${ch}`).to.be.at.most(bound);
          expect(Math.abs(o.std[ch] - g.std[ch]), `spread of the change of channel ${ch}`).to.be.at.most(bound);
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
