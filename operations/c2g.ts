/**
 * Colour to grey by local contrast (GEGL's c2g, Kolås' STRESS family): each pixel's grey is
 * where it sits between the darkest and brightest colours found by a random spray of samples
 * around it, so edges between colours of equal luminance stay visible.
 *
 * Works as GEGL does, so imgflo's `desaturate` graph looks as it did: linear-light RGB, a spray
 * of `samples` points per iteration at radius r = radius * u^2 (u uniform; most samples fall
 * close), directions stepping by the magic angle atan(sqrt 2), transparent and outside points
 * resampled, envelopes averaged over `iterations`, and
 * grey = |p - min| / (|p - min| + |p - max|) over the RGB vector, in linear light.
 * The spray comes from a fixed seed, so a result is reproducible (and cacheable).
 */
import { createRandom } from './_internal/random.ts';
import { defineOperation, type RawImage } from './define.ts';

const ANGLE_STEPS = 95273;
const RADIUS_STEPS = 29537;
const RADIUS_GAMMA = 2;
/** A spray point off the image (or on a transparent pixel) is drawn again, at most this often. */
const MAX_REDRAWS = 64;

let spray: { cos: Float32Array; sin: Float32Array; radius: Float32Array } | undefined;

function sprayTables() {
  if (spray) return spray;
  const cos = new Float32Array(ANGLE_STEPS);
  const sin = new Float32Array(ANGLE_STEPS);
  const step = Math.atan(Math.SQRT2);
  for (let i = 0; i < ANGLE_STEPS; i++) {
    cos[i] = Math.cos((i + 1) * step);
    sin[i] = Math.sin((i + 1) * step);
  }
  const next = createRandom(0x5eed);
  const radius = new Float32Array(RADIUS_STEPS);
  for (let i = 0; i < RADIUS_STEPS; i++) radius[i] = next() ** RADIUS_GAMMA;
  spray = { cos, sin, radius };
  return spray;
}

const toLinear = new Float32Array(256).map((_, i) => {
  const v = i / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
});

function toSrgb8(v: number): number {
  const c = v <= 0 ? 0 : v >= 1 ? 1 : v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055;
  return Math.round(c * 255);
}

export function c2g(img: RawImage, radius: number, samples: number, iterations: number): RawImage {
  const { width, height, channels, data } = img;
  const { cos, sin, radius: radii } = sprayTables();
  const hasAlpha = channels === 2 || channels === 4;
  const grey = channels < 3;
  const n = width * height;
  const lin = new Float32Array(n * 3);
  const alpha = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) lin[i * 3 + c] = toLinear[data[i * channels + (grey ? 0 : c)]];
    alpha[i] = hasAlpha ? data[i * channels + channels - 1] : 255;
  }
  const outChannels = hasAlpha ? 4 : 3;
  const out = Buffer.alloc(n * outChannels);
  let angleNo = 0;
  let radiusNo = 0;
  const min = [0, 0, 0];
  const max = [0, 0, 0];
  const rangeSum = [0, 0, 0];
  const relativeSum = [0, 0, 0];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      rangeSum.fill(0);
      relativeSum.fill(0);
      for (let it = 0; it < iterations; it++) {
        for (let c = 0; c < 3; c++) min[c] = max[c] = lin[p + c];
        for (let s = 0; s < samples; s++) {
          for (let tries = 0; tries < MAX_REDRAWS; tries++) {
            const r = radii[radiusNo] * radius;
            const u = Math.floor(x + r * cos[angleNo]);
            const v = Math.floor(y + r * sin[angleNo]);
            if (++angleNo === ANGLE_STEPS) angleNo = 0;
            if (++radiusNo === RADIUS_STEPS) radiusNo = 0;
            if (u < 0 || v < 0 || u >= width || v >= height || alpha[v * width + u] === 0) continue;
            const q = (v * width + u) * 3;
            for (let c = 0; c < 3; c++) {
              const value = lin[q + c];
              if (value < min[c]) min[c] = value;
              if (value > max[c]) max[c] = value;
            }
            break;
          }
        }
        for (let c = 0; c < 3; c++) {
          const range = max[c] - min[c];
          relativeSum[c] += range > 0 ? (lin[p + c] - min[c]) / range : 0.5;
          rangeSum[c] += range;
        }
      }
      let toMin = 0;
      let toMax = 0;
      for (let c = 0; c < 3; c++) {
        const relative = relativeSum[c] / iterations;
        const range = rangeSum[c] / iterations;
        toMin += (relative * range) ** 2;
        toMax += ((1 - relative) * range) ** 2;
      }
      toMin = Math.sqrt(toMin);
      toMax = Math.sqrt(toMax);
      const value = toMin + toMax > 0 ? toMin / (toMin + toMax) : 0.5;
      const g = toSrgb8(value);
      const o = (y * width + x) * outChannels;
      out[o] = out[o + 1] = out[o + 2] = g;
      if (hasAlpha) out[o + 3] = alpha[y * width + x];
    }
  }
  return { data: out, width, height, channels: outChannels };
}

export default defineOperation({
  name: 'c2g',
  title: 'Colour to Grey',
  description: "Greyscale that keeps the contrast between colours of equal brightness, from each pixel's place between the darkest and brightest colours around it (GEGL's c2g)",
  icon: 'adjust',
  category: 'color',
  inputs: { input: { description: 'Image to turn grey' } },
  params: {
    radius: { type: 'int', default: 300, min: 2, max: 3000, unit: 'px', description: 'Neighbourhood taken into account, in pixels' },
    samples: { type: 'int', default: 4, min: 1, max: 100, description: 'Spray points per iteration' },
    iterations: { type: 'int', default: 10, min: 1, max: 100, description: 'Sprays averaged; more gives less noise' },
  },
  pixel: (img, p) => c2g(img, p.radius as number, p.samples as number, p.iterations as number),
});
