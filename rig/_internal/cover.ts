/** Validation and sizing shared by rig's functions (css, srcset, picture). */
import { buildSignedUrl } from '../sign.ts';
import type { Cover, RigOptions } from '../types.ts';

/** rig 0.4's first checks, in its order and words (imgflow's rig and the imgflo compat entry alike). */
export function requireCover<C extends { src?: unknown; width?: unknown; height?: unknown }>(block: { cover?: C | null } | null | undefined): C {
  if (block == null) throw new Error('block not provided');
  const { cover } = block;
  if (cover == null) throw new Error('block must have a cover image');
  if (cover.src == null) throw new Error('block cover image must have a src');
  if (cover.width == null) throw new Error('block cover image must have a width');
  if (cover.height == null) throw new Error('block cover image must have a height');
  return cover;
}

/** Throws rig's messages (the-grid/rig's, with "imgflo" renamed) for a bad block, config or graph. */
export function validate(options: RigOptions | null | undefined): void {
  const { block, config, graph } = options ?? ({} as Partial<RigOptions>);
  const cover = requireCover(block);
  if (typeof cover.src !== 'string') throw new Error('block cover image src must be a string');
  checkPositive('block cover image width', cover.width);
  checkPositive('block cover image height', cover.height);
  if (config == null) throw new Error('imgflow config not provided');
  for (const field of ['server', 'key', 'secret'] as const) {
    if (config[field] == null) throw new Error(`imgflow config must contain a "${field}" key`);
  }
  if (graph == null) throw new Error('imgflow graph name not provided');
}

export function checkPositive(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new Error(`${name} must be a positive number`);
  }
}

export function checkBreakpoints(breakpoints: unknown): readonly number[] {
  if (breakpoints == null) throw new Error('breakpoints not provided');
  if (!Array.isArray(breakpoints)) throw new Error('breakpoints must be a list of numbers');
  for (const b of breakpoints) checkPositive('each breakpoint', b);
  return breakpoints;
}

/** Sorted ascending without duplicates; never sorts the caller's array. */
export function sortedUnique(values: readonly number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

/** Our server takes whole pixels: round, and never below 1. */
function px(value: number): number {
  return Math.max(1, Math.round(value));
}

/**
 * The size to request for a wanted width or height: scaled to the cover's aspect ratio, and never
 * larger than the cover (a request at or above its size gets the original size).
 */
export function sizeFor(cover: Cover, wanted: { width?: number; height?: number }): { width: number; height: number } {
  const ratio = cover.width / cover.height;
  if (wanted.width !== undefined && wanted.width < cover.width) {
    return { width: px(wanted.width), height: px(wanted.width / ratio) };
  }
  if (wanted.height !== undefined && wanted.height < cover.height) {
    return { width: px(wanted.height * ratio), height: px(wanted.height) };
  }
  return { width: px(cover.width), height: px(cover.height) };
}

const EXT_FROM_SRC: Record<string, string> = { jpg: 'jpg', jpeg: 'jpg', png: 'png', webp: 'webp', avif: 'avif', tif: 'png', tiff: 'png' };

/** The output extension: the option, else the cover's own format when known, else none (server default). */
export function extFor(options: RigOptions): string | undefined {
  if (options.ext !== undefined) return options.ext;
  const path = options.block.cover.src.split(/[?#]/)[0];
  const last = path.slice(path.lastIndexOf('/') + 1).split(':')[0];
  const match = /\.([A-Za-z0-9]+)$/.exec(last);
  return match ? EXT_FROM_SRC[match[1].toLowerCase()] : undefined;
}

/** A signed URL for the cover at `size`: user params first, then input/width/height over them. */
export function coverUrl(options: RigOptions, size: { width: number; height: number }, ext: string | undefined): Promise<string> {
  const { block, config, graph, params } = options;
  return buildSignedUrl({
    server: config.server,
    key: config.key,
    secret: config.secret,
    graph,
    ext,
    params: { ...params, input: block.cover.src, width: size.width, height: size.height },
  });
}

/** src (original size) and srcset for one output extension: srcset() and picture() semantics. */
export async function srcsetFor(options: RigOptions, breakpoints: readonly number[], ext: string | undefined): Promise<{ src: string; srcset: string }> {
  const { cover } = options.block;
  const original = sizeFor(cover, {});
  // Breakpoints at or above the original width all mean "the original": one entry for them.
  const withOriginal = breakpoints.some((b) => b >= cover.width);
  // One entry per whole-pixel width (a srcset must not repeat a descriptor).
  const sizes = new Map<number, { width: number; height: number }>();
  for (const b of sortedUnique(breakpoints)) {
    const size = sizeFor(cover, { width: b });
    if (b < cover.width && !sizes.has(size.width) && !(withOriginal && size.width === original.width)) sizes.set(size.width, size);
  }
  const below = [...sizes.values()];
  const [src, ...urls] = await Promise.all([coverUrl(options, original, ext), ...below.map((size) => coverUrl(options, size, ext))]);
  const entries = urls.map((url, i) => `${url} ${below[i].width}w`);
  if (withOriginal) entries.push(`${src} ${original.width}w`);
  return { src, srcset: entries.join(', ') };
}
