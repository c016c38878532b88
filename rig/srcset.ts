/** `<img srcset>` values (the-grid/rig's srcset). */
import { checkBreakpoints, extFor, srcsetFor, validate } from './_internal/cover.ts';
import type { SrcsetOptions, SrcsetResult } from './types.ts';

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
