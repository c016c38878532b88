/**
 * Content sniffing from magic bytes only. The URL's extension and the origin's Content-Type
 * are never consulted: imgflo-server failed on wrong or missing ones (imgflo-server #23, #38,
 * #106), and browsers sniff too.
 */

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'heif' | 'tiff' | 'svg';

/**
 * Formats accepted as input unless configured otherwise. SVG is left out on purpose: it is
 * a document, not pixels. It can reference external resources (`<image href>`, `xlink:href`,
 * `@import`, XML entities) that librsvg may try to read from the local filesystem, it can
 * declare huge render sizes or costly filters from a few bytes, and its size depends on a
 * chosen density. Sources that need it can add 'svg' to the allowed formats (config).
 */
export const DEFAULT_INPUT_FORMATS: readonly ImageFormat[] = ['jpeg', 'png', 'webp', 'gif', 'avif', 'heif', 'tiff'];

const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1']);

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}

function startsWith(bytes: Uint8Array, magic: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[offset + i] !== magic[i]) return false;
  return true;
}

/** ISO BMFF `ftyp` box: the major brand, then the compatible brands, decide AVIF vs HEIF. */
function sniffFtyp(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== 'ftyp') return undefined;
  const boxSize = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const end = Math.min(boxSize >= 16 ? boxSize : 16, bytes.length);
  const brands = [ascii(bytes, 8, 12)];
  for (let o = 16; o + 4 <= end; o += 4) brands.push(ascii(bytes, o, o + 4));
  if (AVIF_BRANDS.has(brands[0])) return 'avif';
  if (HEIF_BRANDS.has(brands[0]) || brands[0] === 'miaf') {
    // mif1/miaf are generic HEIF structure brands; AVIF files often use them as major brand.
    if (brands.some((b) => AVIF_BRANDS.has(b))) return 'avif';
    return 'heif';
  }
  if (brands.some((b) => AVIF_BRANDS.has(b))) return 'avif';
  if (brands.some((b) => HEIF_BRANDS.has(b))) return 'heif';
  return undefined;
}

/**
 * SVG: optional BOM and whitespace, then any XML declaration, comments, processing
 * instructions and DOCTYPE, then an `<svg` root element, within the first 4 KiB.
 */
function sniffSvg(bytes: Uint8Array): boolean {
  let s = ascii(bytes, 0, Math.min(bytes.length, 4096));
  if (s.startsWith('\xef\xbb\xbf')) s = s.slice(3);
  let i = 0;
  for (;;) {
    while (i < s.length && ' \t\r\n'.includes(s[i])) i++;
    if (s.startsWith('<?', i)) i = s.indexOf('?>', i);
    else if (s.startsWith('<!--', i)) i = s.indexOf('-->', i);
    else if (s.startsWith('<!DOCTYPE', i) || s.startsWith('<!doctype', i)) i = s.indexOf('>', i);
    else break;
    if (i === -1) return false;
    i = s.indexOf('>', i) + 1;
  }
  return s.startsWith('<svg', i) && /[\s>/]/.test(s[i + 4] ?? '');
}

/** Detects the image format from magic bytes; `undefined` when it is none we know. */
export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  if (bytes.length >= 6 && (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a')) return 'gif';
  // TIFF little/big endian, classic (42) and BigTIFF (43).
  if (
    startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) ||
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]) ||
    startsWith(bytes, [0x49, 0x49, 0x2b, 0x00]) ||
    startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2b])
  ) {
    return 'tiff';
  }
  const ftyp = sniffFtyp(bytes);
  if (ftyp) return ftyp;
  if (sniffSvg(bytes)) return 'svg';
  return undefined;
}
