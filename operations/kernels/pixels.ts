/**
 * Moving pixels between RawImage (8-bit, 1-4 channels) and the kernels' float RGBA.
 * The layout is documented in README.md.
 */
import type { RawImage } from '../define.ts';
import type { Layout } from './chain.ts';

const TO_FLOAT = new Float32Array(256).map((_, i) => i / 255);

/** RawImage -> Float32Array, RGBA interleaved, straight alpha, 0..1, row 0 = top. */
export function upload(img: RawImage): Float32Array {
  const { data, width, height, channels } = img;
  const n = width * height;
  const out = new Float32Array(n * 4);
  if (channels === 4) {
    for (let i = 0; i < n * 4; i++) out[i] = TO_FLOAT[data[i]];
  } else if (channels === 3) {
    for (let i = 0, s = 0, o = 0; i < n; i++, s += 3, o += 4) {
      out[o] = TO_FLOAT[data[s]]; out[o + 1] = TO_FLOAT[data[s + 1]]; out[o + 2] = TO_FLOAT[data[s + 2]]; out[o + 3] = 1;
    }
  } else {
    // 1: grey, 2: grey + alpha
    for (let i = 0, s = 0, o = 0; i < n; i++, s += channels, o += 4) {
      const v = TO_FLOAT[data[s]];
      out[o] = v; out[o + 1] = v; out[o + 2] = v; out[o + 3] = channels === 2 ? TO_FLOAT[data[s + 1]] : 1;
    }
  }
  return out;
}

/** RawImage of any channel count -> 4-channel RawImage (for an empty chain). */
export function toRgba(img: RawImage): RawImage {
  if (img.channels === 4) return img;
  const f = upload(img);
  const out = new Uint8ClampedArray(f.length);
  for (let i = 0; i < f.length; i++) out[i] = f[i] * 255;
  return { data: Buffer.from(out.buffer), width: img.width, height: img.height, channels: 4 };
}

/**
 * Where `packed-rgb` takes alpha: the pass input (the RawImage's bytes with `channels` per
 * pixel, or the previous pass's float RGBA with `scale` 255). 1 and 3 channels are opaque.
 */
export interface AlphaSource { data: ArrayLike<number>; channels: number; scale: number }

/** What a kernel call returns: rows (channel and packed-rgb layouts) or a kernel map (planar, packed). */
export type KernelOutput = Float32Array[]
  | { result: Float32Array[]; g: Float32Array[]; b: Float32Array[]; a: Float32Array[] }
  | { result: Float32Array[]; a: Float32Array[] };

/**
 * Kernel output -> float RGBA (between passes) or 8-bit RGBA RawImage (at the end).
 * Uint8ClampedArray rounds to nearest and clamps, so out-of-range kernel values are safe.
 */
export function download(out: KernelOutput, w: number, h: number, layout: Layout, toBytes: boolean, alphaFrom?: AlphaSource): RawImage | Float32Array {
  const target = toBytes ? new Uint8ClampedArray(w * h * 4) : new Float32Array(w * h * 4);
  const scale = toBytes ? 255 : 1;
  if (layout === 'packed-rgb') {
    if (!toBytes || !alphaFrom) throw new Error('packed-rgb output is for the last pass only, with its input');
    const rows = out as Float32Array[];
    const { data, channels, scale } = alphaFrom;
    const opaque = channels === 1 || channels === 3;
    for (let y = 0, o = 0, i = channels - 1; y < h; y++) {
      const pp = rows[y];
      for (let x = 0; x < w; x++, o += 4, i += channels) {
        const v = pp[x] | 0;
        target[o] = v >> 16; target[o + 1] = (v >> 8) & 255; target[o + 2] = v & 255;
        target[o + 3] = opaque ? 255 : data[i] * scale;
      }
    }
  } else if (layout === 'packed') {
    // r * 65536 + g * 256 + b, already rounded and clamped by the kernel (NaN | 0 is 0)
    if (!toBytes) throw new Error('packed output is for the last pass only');
    const { result: P, a: A } = out as { result: Float32Array[]; a: Float32Array[] };
    for (let y = 0, o = 0; y < h; y++) {
      const pp = P[y], aa = A[y];
      for (let x = 0; x < w; x++, o += 4) {
        const v = pp[x] | 0;
        target[o] = v >> 16; target[o + 1] = (v >> 8) & 255; target[o + 2] = v & 255; target[o + 3] = aa[x] * 255;
      }
    }
  } else if (layout === 'channel') {
    const rows = out as Float32Array[];
    for (let y = 0, o = 0; y < h; y++) {
      const row = rows[y];
      for (let x = 0; x < w * 4; x++) target[o++] = row[x] * scale;
    }
  } else {
    const { result: R, g: G, b: B, a: A } = out as { result: Float32Array[]; g: Float32Array[]; b: Float32Array[]; a: Float32Array[] };
    for (let y = 0, o = 0; y < h; y++) {
      const rr = R[y], gg = G[y], bb = B[y], aa = A[y];
      for (let x = 0; x < w; x++, o += 4) {
        target[o] = rr[x] * scale; target[o + 1] = gg[x] * scale; target[o + 2] = bb[x] * scale; target[o + 3] = aa[x] * scale;
      }
    }
  }
  if (!toBytes) return target as Float32Array;
  return { data: Buffer.from(target.buffer), width: w, height: h, channels: 4 };
}
