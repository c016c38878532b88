/**
 * motion-blur-linear against GEGL's algorithm written out here the slow way, independently of
 * the operation's convolution: for every pixel, ceil(length) + 1 bilinear samples along the
 * line in double precision, linear light, premultiplied alpha, transparent outside the image.
 * The operation's sliding sums (axis-aligned) and tap-by-tap sums (other angles) must give the
 * same bytes within 1/255, on an image with hard edges, near-black tones and partial alpha.
 */
import { expect } from 'chai';
import sharp from 'sharp';
import { pixels, pngOf } from '../_helpers/images.ts';
import { runGraph, singleNodeGraph } from '../_helpers/graphs.ts';
import { motionTaps } from '../../operations/motion-blur-linear.ts';
import { photoLikePixels } from '../../bench/lib/photo-like.ts';
import { toLinear, toSrgb } from './_linear-light.ts';


/** GEGL's per-pixel loop: RGBA out (premultiplied sums divided by the sample count). */
function reference(data: Buffer, w: number, h: number, ch: 3 | 4, length: number, angle: number): Buffer {
  const lin = new Float64Array(w * h * 4);
  for (let p = 0; p < w * h; p++) {
    const a = ch === 4 ? data[p * ch + 3] / 255 : 1;
    for (let c = 0; c < 3; c++) lin[p * 4 + c] = toLinear(data[p * ch + c]) * a;
    lin[p * 4 + 3] = a;
  }
  const at = (x: number, y: number, c: number) => (x < 0 || y < 0 || x >= w || y >= h ? 0 : lin[(y * w + x) * 4 + c]);
  const n = Math.ceil(length) + 1;
  const theta = (angle * Math.PI) / 180, ox = length * Math.cos(theta), oy = length * Math.sin(theta);
  const out = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const sum = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      const t = n === 1 ? 0 : i / (n - 1) - 0.5;
      const xx = x + t * ox, yy = y + t * oy, ix = Math.floor(xx), iy = Math.floor(yy), dx = xx - ix, dy = yy - iy;
      for (let c = 0; c < 4; c++) {
        const top = at(ix, iy, c) + dx * (at(ix + 1, iy, c) - at(ix, iy, c));
        const bottom = at(ix, iy + 1, c) + dx * (at(ix + 1, iy + 1, c) - at(ix, iy + 1, c));
        sum[c] += top + dy * (bottom - top);
      }
    }
    const o = (y * w + x) * 4, a = sum[3] / n;
    for (let c = 0; c < 3; c++) out[o + c] = sum[3] > 1e-7 * n ? toSrgb(sum[c] / sum[3]) : 0;
    out[o + 3] = Math.round(Math.min(1, a) * 255);
  }
  return out;
}

/** The photo-like image with hard-edged near-black and white bars, and partial alpha on one side. */
function testImage(w: number, h: number, ch: 3 | 4): Buffer {
  const photo = photoLikePixels(w, h, ch);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = (y * w + x) * ch;
    if (((x >> 3) + (y >> 4)) % 3 === 0) photo.fill((x % 5) * 2, i, i + 3);
    else if (((x >> 4) + (y >> 3)) % 5 === 0) photo.fill(255, i, i + 3);
    if (ch === 4) photo[i + 3] = x < w / 2 ? 255 : (x * 7 + y * 3) % 256;
  }
  return photo;
}

describe('motion-blur-linear: GEGL\'s algorithm, as a convolution', function () {
  this.timeout(60000);
  const w = 80, h = 56;
  const cases: [length: number, angle: number][] = [[10, 0], [7, 90], [9, -90], [12.5, 0], [6, 180], [30, 45], [17, 30], [5.3, -120], [0.5, 10], [0, 0], [100, 90]];
  for (const ch of [3, 4] as const) {
    for (const [length, angle] of cases) {
      it(`${ch} channels, length ${length}, angle ${angle}: within 1/255 of the per-pixel loop, edges fading`, async () => {
        const raw = testImage(w, h, ch);
        const result = await runGraph(singleNodeGraph('gegl/motion-blur-linear', { length, angle }), await pngOf(raw, w, h, ch), 'png');
        const got = await pixels(sharp(result.bytes).ensureAlpha());
        expect([got.width, got.height, got.channels]).to.deep.equal([w, h, 4]);
        const want = reference(raw, w, h, ch, length, angle);
        let worst = 0, differing = 0;
        for (let i = 0; i < want.length; i++) {
          // Colour under alpha 0 is invisible and undefined.
          if (want[i - (i % 4) + 3] === 0 && i % 4 !== 3) continue;
          const d = Math.abs(got.data[i] - want[i]);
          worst = Math.max(worst, d);
          if (d > 0) differing++;
        }
        expect(worst, `${differing} of ${want.length} samples differ`).to.be.at.most(1);
        if (length >= 1) {
          // It blurred, and the edge the line reaches beyond is transparent in part, as GEGL's.
          expect(want.equals(raw)).to.equal(false);
          const edgeAlpha = Math.abs(Math.cos((angle * Math.PI) / 180)) > 0.5 ? want[(Math.floor(h / 4) * w) * 4 + 3] : want[(Math.floor(w / 4)) * 4 + 3];
          expect(edgeAlpha).to.be.below(255);
        }
      });
    }
  }

  it('blurs a grey image (with or without alpha) as it blurs the same grey in RGB, keeping it grey', async () => {
    const rgba = testImage(w, h, 4);
    for (let i = 0; i < rgba.length; i += 4) rgba.fill(rgba[i], i, i + 3);
    const grey = Buffer.alloc(w * h * 2);
    for (let p = 0; p < w * h; p++) [grey[p * 2], grey[p * 2 + 1]] = [rgba[p * 4], rgba[p * 4 + 3]];
    const greyPng = await sharp(grey, { raw: { width: w, height: h, channels: 2 } }).png().toBuffer();
    const opaqueGreyPng = await sharp(grey, { raw: { width: w, height: h, channels: 2 } }).extractChannel(0).png().toBuffer();
    const opaqueRgba = Buffer.from(rgba);
    for (let i = 3; i < opaqueRgba.length; i += 4) opaqueRgba[i] = 255;
    for (const [greyInput, rgbInput] of [[greyPng, await pngOf(rgba, w, h, 4)], [opaqueGreyPng, await pngOf(opaqueRgba, w, h, 4)]]) {
      const graph = singleNodeGraph('gegl/motion-blur-linear', { length: 13, angle: 20 });
      const g = await pixels(sharp((await runGraph(graph, greyInput, 'png')).bytes).toColourspace('srgb').ensureAlpha());
      const c = await pixels(sharp((await runGraph(graph, rgbInput, 'png')).bytes).ensureAlpha());
      expect([g.channels, c.channels]).to.deep.equal([4, 4]);
      let worst = 0, faded = 0;
      for (let i = 0; i < c.data.length; i += 4) {
        expect(g.data[i + 1]).to.equal(g.data[i]);
        expect(g.data[i + 2]).to.equal(g.data[i]);
        if (c.data[i + 3] < 255) faded++;
        if (c.data[i + 3] === 0) continue;
        worst = Math.max(worst, Math.abs(g.data[i] - c.data[i]), Math.abs(g.data[i + 3] - c.data[i + 3]));
      }
      expect(worst).to.be.at.most(1);
      expect(faded, 'edges fade even where the input is opaque').to.be.above(0);
    }
  });

  it('an axis-aligned blur of integer length is a run of equal taps: no per-pixel cost in the length', () => {
    for (const [length, angle] of [[100, 90], [100, 0], [255, -90], [7, 180]]) {
      const taps = motionTaps(length, angle);
      const along = Math.abs(Math.cos((angle * Math.PI) / 180)) > 0.5 ? taps.dy : taps.dx;
      expect(along.every((d) => d === 0), `${length}@${angle} stays on one axis`).to.equal(true);
      const distinct = new Set(taps.w.map((x) => x.toFixed(9)));
      // One weight inside, at most one other at both ends (odd lengths sample between pixels).
      expect(distinct.size, `${length}@${angle}: ${[...distinct].join(' ')}`).to.be.at.most(2);
      expect(taps.w.reduce((a, b) => a + b, 0)).to.be.closeTo(1, 1e-9);
    }
  });
});
