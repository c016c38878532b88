/**
 * A deterministic photo-like test image made in code: a sky gradient, a sun, hills, a white
 * wall, a dark doorway and fine texture, so looks, edges, highlights and shadows all show.
 */
import sharp from 'sharp';

export function photoRaw(width = 240, height = 160): Buffer {
  const data = Buffer.alloc(width * height * 3);
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) / 65536;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const v = y / height;
      // Sky: blue at the top to pale near the horizon.
      let r = 90 + 120 * v, g = 140 + 90 * v, b = 220 + 20 * v;
      // Sun.
      const sun = Math.hypot(u - 0.78, v - 0.22);
      if (sun < 0.09) [r, g, b] = [255, 244, 200];
      // Hills: green, darker lower down.
      const hill = 0.55 + 0.08 * Math.sin(u * 9);
      if (v > hill) [r, g, b] = [60 + 40 * (1 - v), 120 + 50 * (1 - v), 50];
      // A white wall with a dark doorway.
      if (u > 0.12 && u < 0.42 && v > 0.4 && v < 0.9) {
        [r, g, b] = [246, 246, 244];
        if (u > 0.24 && u < 0.3 && v > 0.62) [r, g, b] = [28, 22, 20];
      }
      const n = (rnd() - 0.5) * 14;
      const i = (y * width + x) * 3;
      data[i] = Math.max(0, Math.min(255, Math.round(r + n)));
      data[i + 1] = Math.max(0, Math.min(255, Math.round(g + n)));
      data[i + 2] = Math.max(0, Math.min(255, Math.round(b + n)));
    }
  }
  return data;
}

export async function photoPng(width = 240, height = 160): Promise<Buffer> {
  return sharp(photoRaw(width, height), { raw: { width, height, channels: 3 } }).png().toBuffer();
}
