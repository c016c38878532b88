import sharp, { type Metadata } from 'sharp';
import { errors } from '../../runtime/errors.ts';
import { DEFAULT_INPUT_FORMATS, sniffFormat, type ImageFormat } from './sniff.ts';

export interface CheckImageOptions {
  /** Largest width x height x pages accepted (decompression bombs, imgflo-server #46). */
  maxPixels: number;
  /** Formats accepted; default DEFAULT_INPUT_FORMATS (no SVG, see sniff.ts). */
  allowedFormats?: readonly ImageFormat[];
}

export interface ImageInfo {
  /** From the magic bytes, never from the URL or Content-Type. */
  format: ImageFormat;
  width: number;
  /** Height of one page (frame). */
  height: number;
  /** Number of pages or frames, only when more than one. */
  pages?: number;
}

// libvips reports AVIF as 'heif' (same container).
const SHARP_FORMAT: Record<ImageFormat, string> = {
  jpeg: 'jpeg', png: 'png', webp: 'webp', gif: 'gif', avif: 'heif', heif: 'heif', tiff: 'tiff', svg: 'svg',
};

/**
 * Checks that `bytes` are an image in an allowed format whose size is within the pixel
 * limit, reading only the header: nothing is decoded, so a 20000x20000 PNG costs no memory.
 *
 * @throws IMGFLOW_ERR_INPUT_NOT_IMAGE (415) unknown or disallowed format
 * @throws IMGFLOW_ERR_INPUT_CORRUPT (422) unreadable or truncated header
 * @throws IMGFLOW_ERR_INPUT_TOO_MANY_PIXELS (422) width x height x pages over maxPixels
 */
export async function checkImage(bytes: Buffer, opts: CheckImageOptions): Promise<ImageInfo> {
  const allowed = opts.allowedFormats ?? DEFAULT_INPUT_FORMATS;
  const format = sniffFormat(bytes);
  if (format === undefined || !allowed.includes(format)) {
    const detected = format === undefined ? '' : `${format} is not accepted; `;
    throw errors.IMGFLOW_ERR_INPUT_NOT_IMAGE(
      { format, accepted: [...allowed] },
      undefined,
      `${detected}accepted: ${allowed.join(', ')}`,
    );
  }

  let meta: Metadata;
  try {
    // metadata() parses the header only. The pixel limit is ours, checked below, so sharp's
    // own limitInputPixels is lifted here; the decode step must still pass it (second guard).
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw errors.IMGFLOW_ERR_INPUT_CORRUPT({ format }, err, `${format} header is truncated or corrupt`);
  }
  const { width, height } = meta;
  if (!width || !height || meta.format !== SHARP_FORMAT[format]) {
    throw errors.IMGFLOW_ERR_INPUT_CORRUPT({ format }, undefined, `${format} header has no usable size`);
  }

  const pages = meta.pages !== undefined && meta.pages > 1 ? meta.pages : undefined;
  const pixels = width * height * (pages ?? 1);
  if (pixels > opts.maxPixels) {
    throw errors.IMGFLOW_ERR_INPUT_TOO_MANY_PIXELS(
      { format, width, height, pages, pixels, maxPixels: opts.maxPixels },
      undefined,
      pixels,
      opts.maxPixels,
    );
  }
  return pages === undefined ? { format, width, height } : { format, width, height, pages };
}
