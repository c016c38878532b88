/** Test images made by code with sharp: deterministic, small, no files checked in. */
import sharp, { type Sharp } from 'sharp';

/** A deterministic noisy gradient: every pixel differs, so geometry mistakes show. */
export function noiseRaw(width: number, height: number, channels: 3 | 4 = 3, seed = 1): Buffer {
  const buf = Buffer.alloc(width * height * channels);
  let s = seed >>> 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      s = (s * 1103515245 + 12345) >>> 0;
      const n = (s >>> 16) % 48;
      buf[i] = (x * 200 / width + n) & 255;
      buf[i + 1] = (y * 200 / height + n) & 255;
      buf[i + 2] = ((x + y) * 100 / (width + height) + 2 * n) & 255;
      if (channels === 4) buf[i + 3] = 128 + ((x * 7 + y * 3) % 128);
    }
  }
  return buf;
}

export async function pngOf(raw: Buffer, width: number, height: number, channels: 3 | 4): Promise<Buffer> {
  return sharp(raw, { raw: { width, height, channels } }).png().toBuffer();
}

export async function testPng(width = 64, height = 48, channels: 3 | 4 = 3, seed = 1): Promise<Buffer> {
  return pngOf(noiseRaw(width, height, channels, seed), width, height, channels);
}

export async function testJpeg(width = 640, height = 480): Promise<Buffer> {
  return sharp(noiseRaw(width, height, 3), { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

export async function solid(width: number, height: number, color: string, channels: 3 | 4 = 3): Promise<Buffer> {
  return sharp({ create: { width, height, channels, background: color } }).png().toBuffer();
}

export interface Pixels { data: Buffer; width: number; height: number; channels: number }

export async function pixels(image: Buffer | Sharp): Promise<Pixels> {
  const pipe = Buffer.isBuffer(image) ? sharp(image) : image;
  const { data, info } = await pipe.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** Largest absolute channel difference between two same-shaped images. */
export function maxDiff(a: Pixels, b: Pixels): number {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    throw new Error(`shape ${a.width}x${a.height}x${a.channels} != ${b.width}x${b.height}x${b.channels}`);
  }
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

export function meanDiff(a: Pixels, b: Pixels): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += Math.abs(a.data[i] - b.data[i]);
  return s / a.data.length;
}
