/** CSS media queries that give an element a background image sized per query (the-grid/rig's generate/breakpoints). */
import { checkBreakpoints, checkPositive, coverUrl, extFor, sizeFor, sortedUnique, validate } from './_internal/cover.ts';
import type { BreakpointsOptions, GenerateOptions, MediaItem } from './types.ts';

function checkItem(item: MediaItem): void {
  if (item == null || item.query == null) throw new Error('media query not provided');
  if (item.selector == null) throw new Error('selector not provided');
  if (item.width == null && item.height == null) throw new Error('width or height not provided');
  if (item.width != null && item.height != null) throw new Error('width or height must be provided, but not both');
  if (item.width != null) checkPositive('width', item.width);
  if (item.height != null) checkPositive('height', item.height);
}

/**
 * One `@media <query> { <selector> { background-image: url('<signed url>'); } }` block per item,
 * joined by a blank line. Each URL asks for the cover scaled to the item's width or height
 * (aspect ratio kept, whole pixels, never above the original size).
 *
 * @throws (rejects) `block not provided`, `block must have a cover image`, `block cover image must
 *   have a src|width|height`, `imgflow config not provided`, `imgflow graph name not provided`,
 *   `query items not provided`, `media query not provided`, `selector not provided`,
 *   `width or height not provided`, `width or height must be provided, but not both`.
 */
export async function generate(options: GenerateOptions): Promise<string> {
  validate(options);
  const { items } = options;
  if (items == null || !Array.isArray(items)) throw new Error('query items not provided');
  for (const item of items) checkItem(item);

  const ext = extFor(options);
  const blocks = await Promise.all(
    items.map(async (item) => {
      const url = await coverUrl(options, sizeFor(options.block.cover, item), ext);
      return `@media ${item.query} {\n  ${item.selector} {\n    background-image: url('${url}');\n  }\n}`;
    }),
  );
  return blocks.join('\n\n');
}

/**
 * Media queries for breakpoints b0 < b1 < ... < bN (sorted here, duplicates dropped):
 * `(max-P: b0-1px)` sized b0-1, `(min-P: b[i-1]px) and (max-P: b[i]-1px)` sized b[i]-1, and
 * `(min-P: bNpx)` sized bN, where P is `property`. N breakpoints give N + 1 queries.
 */
export async function breakpoints(options: BreakpointsOptions): Promise<string> {
  validate(options);
  const { property, selector } = options;
  if (property == null) throw new Error('property not provided');
  if (property !== 'width' && property !== 'height') throw new Error('invalid property provided');
  if (selector == null) throw new Error('selector not provided');
  const sorted = sortedUnique(checkBreakpoints(options.breakpoints));

  const items: MediaItem[] = [];
  sorted.forEach((breakpoint, index) => {
    const max = breakpoint - 1;
    const query = index === 0
      ? `(max-${property}: ${max}px)`
      : `(min-${property}: ${sorted[index - 1]}px) and (max-${property}: ${max}px)`;
    items.push({ query, selector, [property]: max });
  });
  if (sorted.length > 0) {
    const last = sorted[sorted.length - 1];
    items.push({ query: `(min-${property}: ${last}px)`, selector, [property]: last });
  }
  return generate({ ...options, items });
}
