/** A complete `<picture>` element with one `<source>` per output format. */
import { checkBreakpoints, sizeFor, srcsetFor, validate } from './_internal/cover.ts';
import { escapeHtml } from './_internal/html.ts';
import type { PictureFormat, PictureOptions } from './types.ts';

const MIME: Record<PictureFormat, string> = { avif: 'image/avif', webp: 'image/webp', jpg: 'image/jpeg', png: 'image/png' };
const DEFAULT_FORMATS: readonly PictureFormat[] = ['avif', 'webp', 'jpg'];

/**
 * ```html
 * <picture>
 *   <source type="image/avif" srcset="..." sizes="100vw">
 *   <source type="image/webp" srcset="..." sizes="100vw">
 *   <source type="image/jpeg" srcset="..." sizes="100vw">
 *   <img src="<original size, last format>" width="W" height="H" alt="">
 * </picture>
 * ```
 * srcsets as srcset() builds them, one per format; every attribute value is HTML-escaped. The
 * `<img>` carries the cover's size so the browser reserves the box before loading.
 *
 * @throws (rejects) the validation messages of srcset(), and `formats must be a non-empty list of avif, webp, jpg, png`.
 */
export async function picture(options: PictureOptions): Promise<string> {
  validate(options);
  const breakpoints = checkBreakpoints(options.breakpoints);
  const formats: readonly PictureFormat[] = options.formats ?? DEFAULT_FORMATS;
  if (!Array.isArray(formats as unknown) || formats.length === 0 || !formats.every((f) => Object.hasOwn(MIME, f))) {
    throw new Error('formats must be a non-empty list of avif, webp, jpg, png');
  }
  const sizes = options.sizes ?? '100vw';
  const alt = options.alt ?? '';

  const sets = await Promise.all(formats.map((f) => srcsetFor(options, breakpoints, f)));
  const size = sizeFor(options.block.cover, {});
  const attr = (name: string, value: string | number) => ` ${name}="${escapeHtml(String(value))}"`;

  const lines = ['<picture>'];
  formats.forEach((format, i) => {
    lines.push(`  <source${attr('type', MIME[format])}${attr('srcset', sets[i].srcset)}${attr('sizes', sizes)}>`);
  });
  const loading = options.loading === undefined ? '' : attr('loading', options.loading);
  lines.push(`  <img${attr('src', sets[sets.length - 1].src)}${attr('width', size.width)}${attr('height', size.height)}${attr('alt', alt)}${loading}>`);
  lines.push('</picture>');
  return lines.join('\n');
}
