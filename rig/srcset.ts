/** `<img srcset>` values (the-grid/rig's srcset). */
import { checkBreakpoints, coverUrl, extFor, sizeFor, sortedUnique, validate } from './_internal/cover.ts';
import type { RigOptions, SrcsetOptions, SrcsetResult } from './types.ts';

/** src and srcset for one output extension; shared with picture(). */
export async function srcsetFor(options: RigOptions, breakpoints: readonly number[], ext: string | undefined): Promise<{ src: string; srcset: string }> {
  const { cover } = options.block;
  const original = sizeFor(cover, {});
  const below = sortedUnique(breakpoints).filter((b) => b < cover.width);
  const [src, ...urls] = await Promise.all([
    coverUrl(options, original, ext),
    ...below.map((b) => coverUrl(options, sizeFor(cover, { width: b }), ext)),
  ]);
  const entries = urls.map((url, i) => `${url} ${sizeFor(cover, { width: below[i] }).width}w`);
  // Breakpoints at or above the original width all mean "the original": one entry for them.
  if (breakpoints.some((b) => b >= cover.width)) entries.push(`${src} ${original.width}w`);
  return { src, srcset: entries.join(', ') };
}

/**
 * `{src, srcset, sizes?}`: src is the original size; srcset has one `url <w>w` entry per breakpoint
 * below the cover's width (sorted, deduplicated, rounded), then the original when any breakpoint
 * reaches the cover's width. `sizes` is passed through when given.
 *
 * @throws (rejects) the validation messages of generate(), and `breakpoints not provided`.
 */
export async function srcset(options: SrcsetOptions): Promise<SrcsetResult> {
  validate(options);
  const breakpoints = checkBreakpoints(options.breakpoints);
  const result: SrcsetResult = await srcsetFor(options, breakpoints, extFor(options));
  if (options.sizes !== undefined) result.sizes = options.sizes;
  return result;
}
