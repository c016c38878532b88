/**
 * GEGL's noise-reduction ("anisotropic smoothing", Alsam, Rivertz and Kolås 2011), so that
 * `gegl/noise-reduction` in imgflo's graphs gives GEGL's picture (0.2/255 from GEGL 0.4.42,
 * spec/fixtures/gegl/README.md). Per channel, on sRGB-encoded values (GEGL's "R'G'B'A float";
 * alpha is carried, not used): a pixel's curvature along each of its four axes (horizontal,
 * vertical, both diagonals) is (2c - before - after)^2. Each of the 8 neighbours offers the
 * midpoint between itself and the pixel; an offer is taken only if it raises the curvature along
 * no axis, so an edge (where every offer across it would bend the profile more) keeps its
 * sharpness while noise (a spike every offer flattens) is averaged away. The pixel becomes the
 * mean of itself and the offers taken.
 *
 * Like GEGL, each pass updates the image in place in reading order, so a pixel sees the new
 * values of the neighbours above and to its left (a Jacobi pass, from old values only, is
 * 1.7/255 away instead of 0.2). That order is why this is plain JS in the compute pool and not a
 * gpu.js kernel: a kernel computes every pixel from the same old image. Outside the image GEGL
 * reads transparent black (its "none" abyss), and pass i of n also smooths the n - 1 - i pixels
 * beyond the right and bottom edges (and 1 beyond the left and top) into that black, which then
 * feed the border: both are reproduced (repeating the edge instead is 5/255 off at the border).
 */
import { defineOperation, type RawImage } from './define.ts';

interface AnisotropicSmoothingOptions {
  iterations: number;
}

export function anisotropicSmoothing(img: RawImage, { iterations }: AnisotropicSmoothingOptions): RawImage {
  const { width, height, channels, data } = img;
  if (iterations <= 0 || width === 0 || height === 0) return img;
  // grey (1, 2 channels) is one channel: GEGL's three equal channels would smooth alike
  const colours = channels >= 3 ? 3 : 1;
  const pad = iterations;
  const stride = width + 2 * pad;
  const rows = height + 2 * pad;
  const out = Buffer.from(data);
  // float32 like GEGL's buffer: one plane per channel, the padding transparent black (0)
  const plane = new Float32Array(stride * rows);
  for (let c = 0; c < colours; c++) {
    plane.fill(0);
    for (let y = 0; y < height; y++) {
      let o = (y + pad) * stride + pad;
      for (let i = (y * width) * channels + c, end = i + width * channels; i < end; i += channels) plane[o++] = data[i] / 255;
    }
    for (let pass = 0; pass < iterations; pass++) {
      const grow = iterations - 1 - pass;
      for (let y = 1; y <= height + 2 * grow; y++) {
        let p = y * stride + 1;
        for (let x = 1; x <= width + 2 * grow; x++, p++) {
          const c0 = plane[p];
          const nw = plane[p - stride - 1], n = plane[p - stride], ne = plane[p - stride + 1], w = plane[p - 1];
          const e = plane[p + 1], sw = plane[p + stride - 1], s = plane[p + stride], se = plane[p + stride + 1];
          // The offer towards neighbour v is (v + c) / 2, so along an axis with bend
          // b = 2c - before - after it bends by b + (v - c): it is taken on every axis iff
          // (b + d)^2 <= b^2 with d = v - c, i.e. d lies between 0 and -2b. Intersecting the four
          // intervals once leaves one range test per neighbour instead of four squared bends.
          const b1 = 2 * c0 - nw - se, b2 = 2 * c0 - n - s, b3 = 2 * c0 - ne - sw, b4 = 2 * c0 - w - e;
          let lo: number, hi: number;
          if (b1 > 0 && b2 > 0 && b3 > 0 && b4 > 0) { lo = c0 - 2 * Math.min(b1, b2, b3, b4); hi = c0; }
          else if (b1 < 0 && b2 < 0 && b3 < 0 && b4 < 0) { lo = c0; hi = c0 - 2 * Math.max(b1, b2, b3, b4); }
          // Bends of both signs (or a flat axis) leave [0, 0]: only neighbours equal to the
          // pixel are taken, and they average to the pixel itself. Most pixels of a photo
          // end here, so skipping them is most of the speed.
          else continue;
          let sum = 0, count = 0, k = 0;
          // lo <= v <= hi: the neighbour values whose offers are taken
          k = +(nw >= lo) & +(nw <= hi); sum += k * nw; count += k;
          k = +(n >= lo) & +(n <= hi); sum += k * n; count += k;
          k = +(ne >= lo) & +(ne <= hi); sum += k * ne; count += k;
          k = +(w >= lo) & +(w <= hi); sum += k * w; count += k;
          k = +(e >= lo) & +(e <= hi); sum += k * e; count += k;
          k = +(sw >= lo) & +(sw <= hi); sum += k * sw; count += k;
          k = +(s >= lo) & +(s <= hi); sum += k * s; count += k;
          k = +(se >= lo) & +(se <= hi); sum += k * se; count += k;
          // c + count offers of (v + c) / 2, over 1 + count
          plane[p] = (c0 * (1 + count * 0.5) + sum * 0.5) / (1 + count);
        }
      }
    }
    for (let y = 0; y < height; y++) {
      let o = (y + pad) * stride + pad;
      for (let x = 0; x < width; x++, o++) {
        const v = Math.round(plane[o] * 255);
        const i = (y * width + x) * channels;
        if (colours === 3) out[i + c] = v;
        else out[i] = v;
      }
    }
  }
  return { data: out, width, height, channels };
}

export default defineOperation({
  name: 'anisotropic-smoothing',
  title: 'Anisotropic Smoothing',
  description: "GEGL's noise-reduction: each pass averages a pixel with the midpoints towards those neighbours that flatten it along every axis, so noise fades and edges stay",
  icon: 'magic',
  category: 'filter',
  // CPU ms per megapixel at the default 4 passes (enhancelowres at 2000x1500, less its noise);
  // more passes cost proportionally more, which this one figure cannot say.
  cost: 350,
  inputs: { input: { description: 'Image to denoise' } },
  params: {
    iterations: { type: 'int', default: 4, min: 0, max: 32, uiMax: 8, description: 'Passes (GEGL: strength); fewer give a less plastic result' },
  },
  identity: (p) => Number(p.iterations) === 0,
  pixel: (img, p) => anisotropicSmoothing(img, { iterations: Number(p.iterations) }),
});
