import sharp, { type Metadata } from 'sharp';
import { errors } from '../../runtime/errors.ts';
import { DEFAULT_INPUT_FORMATS, sniffFormat, type ImageFormat } from './sniff.ts';
import { jpegFrame } from '../../runtime/jpeg-frame.ts';

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
  /** EXIF orientation, only when it is not 1: 5..8 mean the decoded (auto-oriented) image is height x width. */
  orientation?: number;
}

/** The size of the image as decoded with auto-orientation (what the graph receives). */
export function orientedSize(info: ImageInfo): { width: number; height: number } {
  return info.orientation !== undefined && info.orientation >= 5 ? { width: info.height, height: info.width } : { width: info.width, height: info.height };
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

  // JPEG, the common input: its frame header gives the size without a trip through libvips
  // (0.43 ms CPU per request, bench/README.md "Resize"). Anything unusual goes to libvips.
  const frame = format === 'jpeg' ? jpegFrameSize(bytes) : undefined;
  if (frame) return withinLimit(format, frame.width, frame.height, undefined, opts.maxPixels, jpegExifOrientation(bytes));

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
  return withinLimit(format, width, height, pages, opts.maxPixels, meta.orientation);
}

function withinLimit(format: ImageFormat, width: number, height: number, pages: number | undefined, maxPixels: number, orientation?: number): ImageInfo {
  const pixels = width * height * (pages ?? 1);
  if (pixels > maxPixels) {
    throw errors.IMGFLOW_ERR_INPUT_TOO_MANY_PIXELS(
      { format, width, height, pages, pixels, maxPixels },
      undefined,
      pixels,
      maxPixels,
    );
  }
  const info: ImageInfo = pages === undefined ? { format, width, height } : { format, width, height, pages };
  if (orientation !== undefined && orientation > 1 && orientation <= 8) info.orientation = orientation;
  return info;
}

/**
 * The EXIF orientation tag (0x0112) of IFD0 in a JPEG's APP1 Exif segment, as libvips reads it;
 * undefined without one. Walks the segments before the scan only.
 */
export function jpegExifOrientation(bytes: Uint8Array): number | undefined {
  let o = 2;
  while (o + 4 <= bytes.length && bytes[o] === 0xff) {
    const marker = bytes[o + 1];
    if (marker === 0xda || marker === 0xd9) return undefined;
    const length = (bytes[o + 2] << 8) | bytes[o + 3];
    if (length < 2 || o + 2 + length > bytes.length) return undefined;
    // "Exif\0\0" then a TIFF header.
    if (marker === 0xe1 && length >= 16 && bytes[o + 4] === 0x45 && bytes[o + 5] === 0x78 && bytes[o + 6] === 0x69 && bytes[o + 7] === 0x66 && bytes[o + 8] === 0 && bytes[o + 9] === 0) {
      return tiffOrientation(bytes.subarray(o + 10, o + 2 + length));
    }
    o += 2 + length;
  }
  return undefined;
}

function tiffOrientation(tiff: Uint8Array): number | undefined {
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!little && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return undefined;
  const u16 = (at: number) => (little ? tiff[at] | (tiff[at + 1] << 8) : (tiff[at] << 8) | tiff[at + 1]);
  const u32 = (at: number) => (little ? u16(at) + u16(at + 2) * 65536 : u16(at) * 65536 + u16(at + 2));
  if (tiff.length < 8 || u16(2) !== 42) return undefined;
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return undefined;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) return undefined;
    if (u16(entry) === 0x0112) return u16(entry + 8);
  }
  return undefined;
}

/** A JPEG's size from its frame header (runtime/jpeg-frame.ts); undefined when libvips must be asked. */
export function jpegFrameSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const frame = jpegFrame(bytes);
  return frame && { width: frame.width, height: frame.height };
}
