/** Pixels <-> the network's float input (RGB, x/127.5 - 1), and whole-image helpers. */
import type { RawImage } from '../define.ts';

/** RGB floats in -1..1 (grey is repeated, alpha dropped). */
export function toNetInput(img: RawImage): Float32Array {
  const { data, width, height, channels } = img;
  const out = new Float32Array(width * height * 3);
  const grey = channels < 3;
  for (let p = 0, s = 0, o = 0; p < width * height; p++, s += channels) {
    for (let c = 0; c < 3; c++) out[o++] = data[s + (grey ? 0 : c)] / 127.5 - 1;
  }
  return out;
}

/** Back to 8-bit with the original channel layout; alpha is copied from `like`. */
export function fromNetInput(x: Float32Array, like: RawImage): RawImage {
  const { width, height, channels } = like;
  const data = Buffer.alloc(width * height * channels);
  const byte = (v: number): number => Math.max(0, Math.min(255, Math.round((v + 1) * 127.5)));
  for (let p = 0, i = 0, o = 0; p < width * height; p++, i += 3, o += channels) {
    if (channels >= 3) {
      data[o] = byte(x[i]);
      data[o + 1] = byte(x[i + 1]);
      data[o + 2] = byte(x[i + 2]);
      if (channels === 4) data[o + 3] = like.data[o + 3];
    } else {
      data[o] = byte(0.299 * x[i] + 0.587 * x[i + 1] + 0.114 * x[i + 2]);
      if (channels === 2) data[o + 1] = like.data[o + 1];
    }
  }
  return { data, width, height, channels };
}

/** out[y][x] = src[(y - dy) mod h][(x - dx) mod w]: a circular shift by (dy, dx). */
export function roll(src: Float32Array, h: number, w: number, c: number, dy: number, dx: number): Float32Array {
  const out = new Float32Array(src.length);
  const row = w * c;
  const sx = ((dx % w) + w) % w;
  for (let y = 0; y < h; y++) {
    const from = ((((y - dy) % h) + h) % h) * row;
    const to = y * row;
    // row tail then head, two block copies
    out.set(src.subarray(from + (w - sx) * c, from + row), to);
    out.set(src.subarray(from, from + (w - sx) * c), to + sx * c);
  }
  return out;
}

/** Copies rows y0..y0+th, cols x0..x0+tw out of an [h][w][c] array. */
export function crop(src: Float32Array, w: number, c: number, y0: number, x0: number, th: number, tw: number): Float32Array {
  const out = new Float32Array(th * tw * c);
  for (let y = 0; y < th; y++) out.set(src.subarray(((y0 + y) * w + x0) * c, ((y0 + y) * w + x0 + tw) * c), y * tw * c);
  return out;
}

/** Writes the part of `tile` (placed at ty0, tx0) that falls in rows y0..y1, cols x0..x1. */
export function paste(dst: Float32Array, w: number, c: number, tile: Float32Array, ty0: number, tx0: number, tw: number, y0: number, y1: number, x0: number, x1: number): void {
  for (let y = y0; y < y1; y++) {
    const from = ((y - ty0) * tw + (x0 - tx0)) * c;
    dst.set(tile.subarray(from, from + (x1 - x0) * c), (y * w + x0) * c);
  }
}
