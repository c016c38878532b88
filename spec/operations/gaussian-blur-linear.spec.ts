/**
 * gegl/gaussian-blur (gaussian-blur-linear) against a blur computed here, independently of
 * libvips: sRGB decoded to linear light with the sRGB formulas, alpha premultiplied, 1-D passes
 * in double precision with edge pixels repeated, encoded back. The kernels are the ones the
 * operation documents: the common part of the two standard deviations as sharp's blur builds
 * it (libvips' integer Gaussian mask: exp(-x^2 / 2 s^2) rounded to twentieths of the peak, cut
 * below 0.2 of it), then the rest along the longer axis as a Gaussian cut at 3 sigma.
 *
 * Issue 14 asked for a faster anisotropic blur exact within 1/255 of today's output: this is
 * the check any such change must pass. (Such a blur is not a true Gaussian: cut at 0.2 of the
 * peak, sharp's default, a hard edge differs from one cut at 3 sigma by up to 77/255.)
 */
import { expect } from 'chai';
import { pixels, pngOf } from '../_helpers/images.ts';
import { runGraph, singleNodeGraph } from '../_helpers/graphs.ts';
import gaussianBlurLinear from '../../operations/gaussian-blur-linear.ts';
import { sampleDifference, toLinear, toSrgb } from './_linear-light.ts';

const normalised = (k: number[]) => {
  const sum = k.reduce((a, b) => a + b, 0);
  return k.map((v) => v / sum);
};
function libvipsIntegerMask(s: number): number[] {
  let x = 0;
  for (; x < 8 * s; x++) if (Math.exp(-(x * x) / (2 * s * s)) < 0.2) break;
  const r = Math.max(x - 1, 0);
  return normalised(Array.from({ length: 2 * r + 1 }, (_, i) => Math.round(20 * Math.exp(-((i - r) ** 2) / (2 * s * s)))));
}
function gaussian3Sigma(s: number): number[] {
  const r = Math.ceil(3 * s);
  return normalised(Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * s * s))));
}
function pass(src: Float64Array, w: number, h: number, ch: number, k: number[], alongX: boolean): Float64Array {
  const r = (k.length - 1) / 2, out = new Float64Array(src.length);
  const clamp = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < ch; c++) {
    let s = 0;
    for (let i = 0; i < k.length; i++) {
      const xx = alongX ? clamp(x + i - r, w) : x, yy = alongX ? y : clamp(y + i - r, h);
      s += k[i] * src[(yy * w + xx) * ch + c];
    }
    out[(y * w + x) * ch + c] = s;
  }
  return out;
}

function reference(data: Buffer, w: number, h: number, ch: 3 | 4, sx: number, sy: number): Buffer {
  let img: Float64Array = new Float64Array(data.length);
  for (let i = 0; i < data.length; i += ch) {
    const alpha = ch === 4 ? data[i + 3] / 255 : 1;
    for (let c = 0; c < 3; c++) img[i + c] = toLinear(data[i + c]) * alpha;
    if (ch === 4) img[i + 3] = alpha;
  }
  const common = Math.min(sx, sy);
  if (common >= 0.3) {
    const k = libvipsIntegerMask(common);
    img = pass(pass(img, w, h, ch, k, true), w, h, ch, k, false);
  }
  const rest = Math.sqrt(Math.max(sx, sy) ** 2 - (common >= 0.3 ? common ** 2 : 0));
  if (rest >= 0.3) img = pass(img, w, h, ch, gaussian3Sigma(rest), sx > sy);
  const out = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i += ch) {
    const alpha = ch === 4 ? img[i + 3] : 1;
    // libvips' unpremultiply leaves colour 0 below alpha 0.01 (2/255 and less: invisible).
    for (let c = 0; c < 3; c++) out[i + c] = alpha >= 0.01 ? toSrgb(img[i + c] / alpha) : 0;
    if (ch === 4) out[i + 3] = Math.round(Math.min(1, Math.max(0, alpha)) * 255);
  }
  return out;
}

/** Hard edges between near-black and white (where linear light matters most) and a gradient. */
function testImage(w: number, h: number, ch: 3 | 4): Buffer {
  const buf = Buffer.alloc(w * h * ch);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = (y * w + x) * ch, on = ((x >> 3) + (y >> 4)) % 2 === 1;
    buf[i] = on ? 255 : (x % 7) * 3;
    buf[i + 1] = on ? 240 : (x * 255) / w;
    buf[i + 2] = on ? 20 : (y * 255) / h;
    if (ch === 4) buf[i + 3] = x < w / 3 ? 255 : (x * 7 + y * 3) % 256;
  }
  return buf;
}

/** testImage's first channel as grey, with its alpha when `ch` is 2. */
function greyImage(w: number, h: number, ch: 1 | 2): Buffer {
  const rgba = testImage(w, h, 4), buf = Buffer.alloc(w * h * ch);
  for (let p = 0; p < w * h; p++) {
    buf[p * ch] = rgba[p * 4];
    if (ch === 2) buf[p * ch + 1] = rgba[p * 4 + 3];
  }
  return buf;
}
/** Grey (and alpha) spread to RGB(A), so the RGB(A) reference blurs them. */
function asRgb(grey: Buffer, ch: 1 | 2): { data: Buffer; ch: 3 | 4 } {
  const out = ch + 2 as 3 | 4, data = Buffer.alloc((grey.length / ch) * out);
  for (let p = 0; p < grey.length / ch; p++) {
    data.fill(grey[p * ch], p * out, p * out + 3);
    if (ch === 2) data[p * out + 3] = grey[p * ch + 1];
  }
  return { data, ch: out };
}

describe('gegl/gaussian-blur in linear light against an independent reference', () => {
  const w = 72, h = 48;
  for (const ch of [3, 4] as const) {
    for (const [sx, sy] of [[4, 1.5], [1.5, 4], [3, 3], [0, 4], [10, 2], [0.5, 0.2]]) {
      it(`${ch} channels, std-dev-x ${sx}, std-dev-y ${sy}: within 1/255`, async () => {
        const raw = testImage(w, h, ch);
        const result = await runGraph(singleNodeGraph('gegl/gaussian-blur', { 'std-dev-x': sx, 'std-dev-y': sy }), await pngOf(raw, w, h, ch), 'png');
        const got = await pixels(result.bytes);
        expect([got.width, got.height, got.channels]).to.deep.equal([w, h, ch]);
        const want = reference(raw, w, h, ch, sx, sy);
        const { worst, differing } = sampleDifference(got.data, want);
        expect(worst, `${differing} of ${want.length} samples differ`).to.be.at.most(1);
        // The blur did something: the reference differs from its input.
        expect(want.equals(raw)).to.equal(false);
      });
    }
  }

  // The operation itself, on raw pixels: a grey image's alpha once came back dropped.
  for (const ch of [1, 2] as const) {
    for (const [sx, sy] of [[4, 1.5], [3, 3], [0, 4]]) {
      it(`grey${ch === 2 ? ' with alpha' : ''} (${ch} channel${ch === 2 ? 's' : ''}), std-dev-x ${sx}, std-dev-y ${sy}: keeps its channels, within 1/255`, async () => {
        const raw = greyImage(w, h, ch);
        const got = await gaussianBlurLinear.process!({ data: raw, width: w, height: h, channels: ch }, { 'std-dev-x': sx, 'std-dev-y': sy });
        expect([got.width, got.height, got.channels]).to.deep.equal([w, h, ch]);
        const rgb = asRgb(raw, ch), want = reference(rgb.data, w, h, rgb.ch, sx, sy);
        const wantGrey = Buffer.alloc(raw.length);
        for (let p = 0; p < w * h; p++) {
          wantGrey[p * ch] = want[p * rgb.ch];
          if (ch === 2) wantGrey[p * ch + 1] = want[p * rgb.ch + 3];
        }
        const { worst, differing } = sampleDifference(got.data, wantGrey);
        expect(worst, `${differing} of ${wantGrey.length} samples differ`).to.be.at.most(1);
        expect(wantGrey.equals(raw)).to.equal(false);
      });
    }
  }
});
