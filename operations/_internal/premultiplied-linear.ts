/**
 * 8-bit sRGB pixels <-> premultiplied linear light with an alpha channel (GEGL's "RaGaBaA
 * float"), for operations that compute in plain JavaScript as GEGL does (motion blur, GEGL's
 * scale). Tables rather than Math.pow: these loops are most of an axis-aligned blur's cost.
 */
import type { RawImage } from '../define.ts';

const TO_LINEAR = new Float32Array(256);
for (let v = 0; v < 256; v++) {
  const c = v / 255;
  TO_LINEAR[v] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}
/** Linear light to 8-bit sRGB, indexed by round(linear * 65535): within 0.05/255 of the formula. */
const LINEAR_STEPS = 65535;
const TO_SRGB = new Uint8Array(LINEAR_STEPS + 1);
for (let i = 0; i <= LINEAR_STEPS; i++) {
  const l = i / LINEAR_STEPS;
  TO_SRGB[i] = Math.round(255 * (l <= 0.0031308 ? l * 12.92 : 1.055 * l ** (1 / 2.4) - 0.055));
}

/** Colour channels of an image (1 for grey, 3 for RGB) and its premultiplied layout's stride. */
export function linearLayout(channels: number): { colours: number; ch: number } {
  const colours = channels === 1 || channels === 2 ? 1 : 3;
  return { colours, ch: colours + 1 };
}

/** The image as premultiplied linear light, colours then alpha (1 where it has none). */
export function toPremultipliedLinear(img: RawImage): Float32Array {
  const { width: w, height: h, channels } = img;
  const { colours, ch } = linearLayout(channels);
  const hasAlpha = channels === 2 || channels === 4;
  const src = new Float32Array(w * h * ch);
  const bytes = img.data, pixels = w * h;
  if (channels === 3) {
    // the common case unrolled: locals, no alpha division
    for (let p = 0, i = 0, o = 0; p < pixels; p++, i += 3, o += 4) {
      src[o] = TO_LINEAR[bytes[i]];
      src[o + 1] = TO_LINEAR[bytes[i + 1]];
      src[o + 2] = TO_LINEAR[bytes[i + 2]];
      src[o + 3] = 1;
    }
  } else {
    for (let p = 0, i = 0, o = 0; p < pixels; p++, i += channels, o += ch) {
      const a = hasAlpha ? bytes[i + colours] / 255 : 1;
      for (let k = 0; k < colours; k++) src[o + k] = TO_LINEAR[bytes[i + k]] * a;
      src[o + colours] = a;
    }
  }
  return src;
}

/** Back to 8-bit sRGB with alpha (grey+alpha or RGBA); fully transparent pixels are zero. */
export function fromPremultipliedLinear(out: Float32Array, width: number, height: number, colours: number): RawImage {
  const ch = colours + 1;
  const data = Buffer.allocUnsafe(width * height * ch);
  for (let o = 0; o < out.length; o += ch) {
    const a = out[o + colours];
    if (a > 1e-7) {
      // round(linear * steps) as an index: + 0.5 and truncation, clamped to the table.
      const scale = LINEAR_STEPS / a;
      for (let k = 0; k < colours; k++) {
        const v = out[o + k] * scale + 0.5;
        data[o + k] = TO_SRGB[v <= 0 ? 0 : v >= LINEAR_STEPS ? LINEAR_STEPS : v | 0];
      }
      data[o + colours] = a >= 1 ? 255 : (a * 255 + 0.5) | 0;
    } else {
      for (let k = 0; k <= colours; k++) data[o + k] = 0;
    }
  }
  return { data, width, height, channels: ch as 2 | 4 };
}
