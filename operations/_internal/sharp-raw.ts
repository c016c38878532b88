/**
 * Raw pixels out of a sharp pipeline, a grey image's alpha included.
 *
 * sharp's raw output of a greyscale pipeline is its first band only (src/pipeline.cc, the raw
 * branch: `baton->greyscale` or a 'b-w' result), so `.greyscale()` followed by `.raw()` drops
 * the alpha it keeps in any encoded output. No raw output of such a pipeline holds two bands,
 * so it is written once as an uncompressed grey(+alpha) TIFF and read back. That is a copy
 * (about 1 ms over the raw output for 3 MP grey+alpha here, plus ~10 ms to pack the bands in
 * JavaScript), where running the pipeline again for its alpha would repeat its decode and every
 * step; grey+alpha is kept as 2 channels, as 1-channel grey is, so later stages work on half.
 */
import sharp, { type Sharp } from 'sharp';
import type { RawImage } from '../define.ts';

/** True when the pipeline converts to grey with sharp's own flag (its raw output is then one band). */
export function greyscaleRaw(pipe: Sharp): boolean {
  // sharp keeps the flag it reads in `options` (not in its types); the specs that hold the
  // alpha (spec/runtime/gray-alpha.spec.ts) fail if a sharp upgrade moves it.
  return (pipe as unknown as { options?: { greyscale?: boolean } }).options?.greyscale === true;
}

/**
 * The pipeline's raw 8-bit pixels: as sharp gives them, except that a greyscale pipeline's
 * result is grey (1 channel) or grey+alpha (2), never its first band alone.
 */
export async function rawPixels(pipe: Sharp): Promise<RawImage> {
  if (!greyscaleRaw(pipe)) {
    const { data, info } = await pipe.raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: info.channels as RawImage['channels'] };
  }
  const { data: tiff, info } = await pipe.toColourspace('b-w').tiff({ compression: 'none' }).toBuffer({ resolveWithObject: true });
  // Our own intermediate, already within the caller's limits.
  const back = sharp(tiff, { limitInputPixels: false });
  if (info.channels === 1) {
    const data = await back.toColourspace('b-w').raw().toBuffer();
    return { data, width: info.width, height: info.height, channels: 1 };
  }
  // Read back, grey+alpha comes out as sRGB with alpha, its colour bands equal.
  const data = await back.raw().toBuffer();
  return { data: greyAlpha(data), width: info.width, height: info.height, channels: 2 };
}

/** RGBA whose colour bands are equal (a grey image's) to grey+alpha. */
export function greyAlpha(rgba: Buffer): Buffer {
  const out = Buffer.allocUnsafe(rgba.length / 2);
  for (let i = 0, o = 0; i < rgba.length; i += 4, o += 2) {
    out[o] = rgba[i];
    out[o + 1] = rgba[i + 3];
  }
  return out;
}
