/**
 * Colour to grey by local contrast (GEGL's c2g, Kolås' STRESS family): each pixel's grey is
 * where it sits between the darkest and brightest colours found by a random spray of samples
 * around it, so edges between colours of equal luminance stay visible.
 *
 * Follows GEGL 0.4's operations/common/c2g.c and envelopes.h, so imgflo's `desaturate` graph
 * looks as it did: linear-light RGB; a spray of `samples` points per iteration at radius
 * r = radius * u^2 (u uniform), directions stepping by the golden angle; a point off the image
 * is drawn again (without limit, as GEGL), one on a transparent pixel up to `samples` times and
 * then dropped; envelopes averaged over `iterations`. Then, over the RGB vector in linear light,
 * grey = |p - min| / (|p - min| + |p - max|) with enhance-shadows (the only formula GEGL had
 * before 2018, so the one imgflo used), or |p| / (|p| + |p - max|) without (GEGL 0.4's default).
 *
 * GEGL draws its radius table afresh in every process, so one GEGL run is one draw of a noisy
 * result (two runs differ by ~18/255 per pixel on imgflo's c2g test). What is reproducible about
 * GEGL is that result's expected value; `sprays` independent sprays are averaged to approach
 * it (1: grain like a single GEGL run). The table comes from a fixed seed, so a result is
 * reproducible (and cacheable). spec/fixtures/gegl/README.md has the measurements.
 */
import { createRandom } from './_internal/random.ts';
import { defineOperation, type RawImage } from './define.ts';

/** GEGL's table sizes: primes, so that angle and radius pair up differently on every pass. */
const ANGLE_STEPS = 95273;
const RADIUS_STEPS = 29537;
const RADIUS_GAMMA = 2;
/**
 * GEGL redraws a point off the image until one lands on it. Every pixel is on the image, so a
 * draw lands with a probability of at least about a quarter of r < 1 draws; this bound only
 * keeps a pathological table from looping for ever.
 */
const MAX_OFF_IMAGE_REDRAWS = 100_000;

let spray: { cos: Float32Array; sin: Float32Array; radius: Float32Array } | undefined;

function sprayTables() {
  if (spray) return spray;
  const cos = new Float32Array(ANGLE_STEPS);
  const sin = new Float32Array(ANGLE_STEPS);
  const golden = Math.PI * (3 - Math.sqrt(5));
  let angle = 0;
  for (let i = 0; i < ANGLE_STEPS; i++) {
    angle += golden;
    cos[i] = Math.cos(angle);
    sin[i] = Math.sin(angle);
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

/** sRGB-encoded 0..255, unrounded: sprays are averaged as GEGL's 8-bit outputs would be. */
function toSrgb255(v: number): number {
  const c = v <= 0 ? 0 : v >= 1 ? 1 : v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055;
  return c * 255;
}

export interface C2gOptions {
  radius: number;
  samples: number;
  iterations: number;
  enhanceShadows?: boolean;
  sprays?: number;
}

export function c2g(img: RawImage, options: C2gOptions): RawImage {
  const { radius, samples, iterations, enhanceShadows = true, sprays = 1 } = options;
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
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      const p0 = lin[p], p1 = lin[p + 1], p2 = lin[p + 2];
      let greySum = 0;
      for (let k = 0; k < sprays; k++) {
        let range0 = 0, range1 = 0, range2 = 0;
        let relative0 = 0, relative1 = 0, relative2 = 0;
        for (let it = 0; it < iterations; it++) {
          // locals, not arrays: this loop is the whole cost of the operation
          let min0 = p0, min1 = p1, min2 = p2, max0 = p0, max1 = p1, max2 = p2;
          for (let s = 0; s < samples; s++) {
            let transparentLeft = samples;
            for (let offImage = 0; offImage < MAX_OFF_IMAGE_REDRAWS;) {
              const r = radii[radiusNo] * radius;
              // C's float-to-int conversion: toward zero
              const u = Math.trunc(x + r * cos[angleNo]);
              const v = Math.trunc(y + r * sin[angleNo]);
              if (++angleNo === ANGLE_STEPS) angleNo = 0;
              if (++radiusNo === RADIUS_STEPS) radiusNo = 0;
              if (u < 0 || v < 0 || u >= width || v >= height) {
                offImage++;
                continue;
              }
              if (hasAlpha && alpha[v * width + u] === 0) {
                if (--transparentLeft > 0) continue;
                break;
              }
              const q = (v * width + u) * 3;
              const q0 = lin[q], q1 = lin[q + 1], q2 = lin[q + 2];
              if (q0 < min0) min0 = q0; else if (q0 > max0) max0 = q0;
              if (q1 < min1) min1 = q1; else if (q1 > max1) max1 = q1;
              if (q2 < min2) min2 = q2; else if (q2 > max2) max2 = q2;
              break;
            }
          }
          const r0 = max0 - min0, r1 = max1 - min1, r2 = max2 - min2;
          relative0 += r0 > 0 ? (p0 - min0) / r0 : 0.5;
          relative1 += r1 > 0 ? (p1 - min1) / r1 : 0.5;
          relative2 += r2 > 0 ? (p2 - min2) / r2 : 0.5;
          range0 += r0;
          range1 += r1;
          range2 += r2;
        }
        const rel0 = relative0 / iterations, rel1 = relative1 / iterations, rel2 = relative2 / iterations;
        const rng0 = range0 / iterations, rng1 = range1 / iterations, rng2 = range2 / iterations;
        const toMin = enhanceShadows
          ? Math.sqrt((rel0 * rng0) ** 2 + (rel1 * rng1) ** 2 + (rel2 * rng2) ** 2)
          : Math.sqrt(p0 * p0 + p1 * p1 + p2 * p2);
        const toMax = Math.sqrt(((1 - rel0) * rng0) ** 2 + ((1 - rel1) * rng1) ** 2 + ((1 - rel2) * rng2) ** 2);
        greySum += toSrgb255(toMin + toMax > 0 ? toMin / (toMin + toMax) : 0.5);
      }
      const g = Math.round(greySum / sprays);
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
    iterations: { type: 'int', default: 10, min: 1, max: 100, description: 'Sprays averaged into the envelopes; more gives less noise' },
    'enhance-shadows': { type: 'boolean', default: true, description: "Grey from the distance to the darkest colour around (true: GEGL before 2018, what imgflo's graphs were made with) or to black (false: GEGL 0.4's default, brighter)" },
    sprays: { type: 'int', default: 8, min: 1, max: 32, description: "Independent results averaged: 1 is as grainy as one GEGL run, more comes closer to GEGL's expected (mean) result at that many times the cost" },
  },
  pixel: (img, p) => c2g(img, {
    radius: p.radius as number,
    samples: p.samples as number,
    iterations: p.iterations as number,
    enhanceShadows: p['enhance-shadows'] as boolean,
    sprays: p.sprays as number,
  }),
});
