/**
 * The benches' deterministic "photo-like" test image: horizontal and vertical gradients, a
 * sinusoid and LCG noise, so neighbouring pixels are alike as in the photos a server sees, yet
 * the JPEG does not compress to nothing (2000x1500 at q85: about 1.16 MB). Generated here so
 * every bench runs from a clean clone.
 */
import sharp from 'sharp';

/** Raw 8-bit pixels, `channels` 3 (RGB) or 4 (RGBA, opaque). */
export function photoLikePixels(width: number, height: number, channels: 3 | 4 = 3): Buffer {
  const buf = Buffer.alloc(width * height * channels);
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) % 40;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      const n = (Math.sin(x * 0.05) * Math.cos(y * 0.037) + 1) * 60;
      buf[i] = ((x * 255) / width + n + rnd()) & 255;
      buf[i + 1] = ((y * 255) / height + rnd()) & 255;
      buf[i + 2] = (((x + y) * 128) / (width + height) + n + rnd()) & 255;
      if (channels === 4) buf[i + 3] = 255;
    }
  }
  return buf;
}

/** The same image as a JPEG (quality 85). */
export function photoLikeJpeg(width = 2000, height = 1500): Promise<Buffer> {
  return sharp(photoLikePixels(width, height, 3), { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
}
