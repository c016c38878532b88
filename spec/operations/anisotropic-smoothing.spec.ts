/**
 * gegl/noise-reduction (anisotropic-smoothing) against a reference written here from GEGL's
 * description of the algorithm, the slow way: per channel, the four axes' bends
 * (2c - before - after)^2, each neighbour's midpoint kept when it raises no axis' bend, pixels
 * updated in place in reading order, transparent black beyond the edges and pass i of n running
 * over the image plus 1 pixel left/top and n - i right/bottom. The operation computes the same
 * test as intervals (one comparison per neighbour); this is what that rewrite must equal.
 * (spec/imgflo/gegl-operations.spec.ts compares with GEGL 0.4.42's own output.)
 */
import { expect } from 'chai';
import sharp from 'sharp';
import { pixels } from '../_helpers/images.ts';
import { runGraph, singleNodeGraph } from '../_helpers/graphs.ts';
import { anisotropicSmoothing } from '../../operations/anisotropic-smoothing.ts';
import { sampleDifference } from './_linear-light.ts';
import { NEIGHBOURS } from '../../operations/noise-reduction.ts';

const AXES = [[-1, -1], [0, -1], [1, -1], [-1, 0]];

function reference(data: Buffer, w: number, h: number, channels: number, iterations: number): Buffer {
  const colours = channels >= 3 ? 3 : 1;
  const pad = iterations, stride = w + 2 * pad;
  const out = Buffer.from(data);
  for (let c = 0; c < colours; c++) {
    const img = new Float32Array(stride * (h + 2 * pad));
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img[(y + pad) * stride + x + pad] = data[(y * w + x) * channels + c] / 255;
    const at = (x: number, y: number) => img[y * stride + x];
    for (let pass = 0; pass < iterations; pass++) {
      const reach = iterations - 1 - pass;
      for (let y = 1; y <= h + 2 * reach; y++) {
        for (let x = 1; x <= w + 2 * reach; x++) {
          const centre = at(x, y);
          const bend = (v: number, [dx, dy]: number[]) => (2 * v - at(x + dx, y + dy) - at(x - dx, y - dy)) ** 2;
          const before = AXES.map((axis) => bend(centre, axis));
          let sum = centre, count = 1;
          for (const [dx, dy] of NEIGHBOURS) {
            const offer = at(x + dx, y + dy) * 0.5 + centre * 0.5;
            if (AXES.every((axis, i) => bend(offer, axis) <= before[i])) { sum += offer; count++; }
          }
          img[y * stride + x] = sum / count;
        }
      }
    }
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(y * w + x) * channels + (colours === 3 ? c : 0)] = Math.round(at(x + pad, y + pad) * 255);
  }
  return out;
}

/** Noise on flat areas, a hard edge, a gradient; alpha varies where there is one. */
function testImage(w: number, h: number, channels: number, seed: number): Buffer {
  const buf = Buffer.alloc(w * h * channels);
  let s = seed;
  const noise = () => { s = (s * 1103515245 + 12345) % 2147483648; return (s / 2147483648) * 40 - 20; };
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = (y * w + x) * channels;
    const base = [x < w / 2 ? 60 : 200, (x * 255) / w, y < h / 2 ? 30 : 220];
    for (let c = 0; c < Math.min(channels, 3); c++) buf[i + c] = Math.max(0, Math.min(255, Math.round(base[c] + noise())));
    if (channels === 2 || channels === 4) buf[i + channels - 1] = (x * 13 + y * 7) % 256;
  }
  return buf;
}

const std = (v: number[]) => { const m = v.reduce((a, b) => a + b, 0) / v.length; return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length); };

describe('anisotropic-smoothing (gegl/noise-reduction)', () => {
  const w = 41, h = 29;
  for (const channels of [1, 2, 3, 4] as const) {
    for (const iterations of [1, 4, 9]) {
      it(`${channels} channels, ${iterations} iterations: equals the reference`, () => {
        const data = testImage(w, h, channels, 7 + channels * 31 + iterations);
        const got = anisotropicSmoothing({ data, width: w, height: h, channels }, { iterations });
        const want = reference(data, w, h, channels, iterations);
        const { worst, differing } = sampleDifference(got.data, want);
        // float rounding may differ in the last bit where a midpoint sits exactly on an interval's end
        expect(worst, `${differing} of ${want.length} samples differ`).to.be.at.most(1);
        expect(differing / want.length).to.be.below(0.001);
        expect(want.equals(data)).to.equal(false);
        if (channels === 2 || channels === 4) {
          for (let i = channels - 1; i < data.length; i += channels) expect(got.data[i]).to.equal(data[i]);
        }
      });
    }
  }

  it('smooths noise and keeps a hard edge', () => {
    const W = 64, H = 32, data = Buffer.alloc(W * H * 3);
    let s = 5;
    for (let i = 0; i < data.length; i++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      const x = Math.floor(i / 3) % W;
      data[i] = (x < W / 2 ? 40 : 210) + Math.round((s / 2147483648) * 24 - 12);
    }
    const out = anisotropicSmoothing({ data, width: W, height: H, channels: 3 }, { iterations: 4 }).data;
    const flat = (buf: Buffer) => { const v: number[] = []; for (let y = 8; y < H - 8; y++) for (let x = 8; x < 24; x++) v.push(buf[(y * W + x) * 3]); return v; };
    expect(std(flat(out))).to.be.below(std(flat(data)) * 0.6);
    // the step from 40 to 210 between columns 31 and 32 stays a step
    for (let y = 8; y < H - 8; y++) {
      expect(out[(y * W + 31) * 3], `row ${y} left of the edge`).to.be.below(80);
      expect(out[(y * W + 32) * 3], `row ${y} right of the edge`).to.be.above(170);
    }
  });

  it('with 0 iterations leaves the image as it is, through a graph', async () => {
    const data = testImage(w, h, 3, 3);
    const png = await sharp(data, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
    const got = await pixels((await runGraph(singleNodeGraph('gegl/noise-reduction', { iterations: 0 }), png, 'png')).bytes);
    expect(got.data.equals(data)).to.equal(true);
    const four = await pixels((await runGraph(singleNodeGraph('gegl/noise-reduction', { iterations: 4 }), png, 'png')).bytes);
    expect(four.data.equals(reference(data, w, h, 3, 4))).to.equal(true);
  });
});
