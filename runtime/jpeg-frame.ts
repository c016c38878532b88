/** The JPEG frame header, read in JS: the server's input check and the executor's CMYK test use it. */

export interface JpegFrame {
  width: number;
  height: number;
  /** Nf: 1 grey, 3 YCbCr (or RGB), 4 CMYK or YCCK. */
  components: number;
}

/**
 * A JPEG's size and component count from its frame header (SOFn), walking the marker segments up to the start of
 * scan as libjpeg's jpeg_read_header does, which is what libvips reads for metadata. Undefined
 * for anything but a plain, complete header (no SOF, two SOFs, a zero dimension, a segment
 * running past the end, a stray marker): the caller then asks libvips, whose error it reports.
 */
export function jpegFrame(bytes: Uint8Array): JpegFrame | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let size: JpegFrame | undefined;
  let o = 2;
  while (o + 4 <= bytes.length) {
    if (bytes[o] !== 0xff) return undefined;
    const marker = bytes[o + 1];
    if (marker === 0xff) { o++; continue; } // fill byte before a marker
    // Markers without a length (SOI, EOI, RSTn, TEM) do not belong before the scan.
    if (marker === 0xd8 || marker === 0xd9 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01 || marker === 0x00) return undefined;
    const length = (bytes[o + 2] << 8) | bytes[o + 3];
    if (length < 2 || o + 2 + length > bytes.length) return undefined;
    if (marker === 0xda) return size; // SOS, complete: the header is over
    // SOF0-SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (size || length < 8) return undefined;
      const height = (bytes[o + 5] << 8) | bytes[o + 6];
      const width = (bytes[o + 7] << 8) | bytes[o + 8];
      if (width === 0 || height === 0) return undefined; // height 0: defined later by DNL
      size = { width, height, components: bytes[o + 9] };
    }
    o += 2 + length;
  }
  return undefined;
}
