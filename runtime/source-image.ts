/**
 * What the executor needs to know about the encoded input before any stage runs: whether it can
 * be the result as it is (imgflo's noop graphs), and whether it is a CMYK JPEG, which is decoded
 * the way imgflo's GEGL decoded it.
 */
import sharp from 'sharp';
import type { OutputFormat, RawImage } from '../operations/define.ts';
import { jpegFrame } from './jpeg-frame.ts';

const SAME_FORMAT: Record<string, OutputFormat> = { jpeg: 'jpeg', png: 'png', webp: 'webp', gif: 'gif', tiff: 'tiff', heif: 'avif' };

/** The output format the input is already in, if it is one we write. */
export async function formatOf(input: Buffer): Promise<OutputFormat | undefined> {
  const meta = await sharp(input).metadata();
  if (!meta.format || !Object.hasOwn(SAME_FORMAT, meta.format)) return undefined;
  return meta.format === 'heif' && meta.compression !== 'av1' ? undefined : SAME_FORMAT[meta.format];
}

/** The input's size when it is already encoded as `format` (so its bytes can be served unchanged). */
export async function sameFormatSize(input: Buffer, format: OutputFormat): Promise<{ width: number; height: number } | undefined> {
  const meta = await sharp(input).metadata();
  if (!meta.format || SAME_FORMAT[meta.format] !== format) return undefined;
  if (format === 'avif' && meta.compression !== 'av1') return undefined;
  return { width: meta.width ?? 0, height: meta.height ?? 0 };
}

function isJpeg(input: Buffer): boolean {
  return input.length > 3 && input[0] === 0xff && input[1] === 0xd8 && input[2] === 0xff;
}

/**
 * A CMYK JPEG as RGB the way GEGL/babl converted it for imgflo: R = (1-C)(1-K) and so on, on the
 * stored values, any embedded profile ignored. libvips' profile-based conversion gives colours
 * 11 to 14/255 apart from what imgflo users got (imgflo's regcheck_cmyk_jpeg case). Undefined
 * for anything that is not a CMYK JPEG.
 */
export async function decodeCmykJpeg(input: Buffer, limitInputPixels: number): Promise<RawImage | undefined> {
  if (!isJpeg(input)) return undefined;
  // A JPEG whose frame header says other than 4 components is no CMYK: libvips' header parse
  // (a trip to its thread pool, ~5% of a resize's main-thread CPU) only when it might be.
  const frame = jpegFrame(input);
  if (frame && frame.components !== 4) return undefined;
  const meta = await sharp(input).metadata();
  if (meta.space !== 'cmyk' || meta.channels !== 4) return undefined;
  const { data, info } = await sharp(input, { limitInputPixels, autoOrient: true })
    .pipelineColourspace('cmyk')
    .toColourspace('cmyk')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const n = info.width * info.height;
  const rgb = Buffer.alloc(n * 3);
  for (let i = 0; i < n; i++) {
    const k = 255 - data[i * 4 + 3];
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = Math.round(((255 - data[i * 4 + c]) * k) / 255);
  }
  return { data: rgb, width: info.width, height: info.height, channels: 3 };
}
