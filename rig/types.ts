import type { ParamValue } from './sign.ts';

/** Where and how to sign: the imgflow server's base URL and an application's key and secret. */
export interface RigConfig {
  /** e.g. `https://img.example.com`; `''` gives root-relative URLs. */
  server: string;
  key: string;
  secret: string;
}

/** The original image. Width and height are its real pixel size: rig never asks for more. */
export interface Cover {
  src: string;
  width: number;
  height: number;
}

/** A content block with a cover image (rig's input shape). */
export interface Block {
  cover: Cover;
}

/** What every rig function takes. */
export interface RigOptions {
  block: Block;
  config: RigConfig;
  /** Graph name, e.g. `passthrough`. */
  graph: string;
  /** Graph parameters; `input`, `width` and `height` are set by rig and override these. */
  params?: Readonly<Record<string, ParamValue>>;
  /** Output extension; by default taken from the cover's extension (see rig/README.md). */
  ext?: string;
}

/** One media query: exactly one of width or height. */
export interface MediaItem {
  /** CSS media query without `@media`, e.g. `(max-width: 503px)`. */
  query: string;
  /** CSS selector list, e.g. `.media, .background`. */
  selector: string;
  width?: number;
  height?: number;
}

export interface GenerateOptions extends RigOptions {
  items: readonly MediaItem[];
}

export interface BreakpointsOptions extends RigOptions {
  property: 'width' | 'height';
  selector: string;
  /** Breakpoints in px, any order. N breakpoints give N + 1 media queries. */
  breakpoints: readonly number[];
}

export interface SrcsetOptions extends RigOptions {
  /** Image widths in px, any order; those at or above the cover's width collapse into the original. */
  breakpoints: readonly number[];
  /** The `sizes` attribute value, returned as is when given. */
  sizes?: string;
}

export interface SrcsetResult {
  /** The original size. */
  src: string;
  /** `url 400w, url 800w, ...` */
  srcset: string;
  sizes?: string;
}

/** Output formats a `<picture>` offers, best first; `jpg` is also the `<img>` fallback. */
export type PictureFormat = 'avif' | 'webp' | 'jpg' | 'png';

export interface PictureOptions extends Omit<RigOptions, 'ext'> {
  breakpoints: readonly number[];
  /** Default `100vw`. */
  sizes?: string;
  /** Default `''` (decorative). */
  alt?: string;
  /** `<source>` formats in order; default `['avif', 'webp', 'jpg']`. The last one is the `<img>` fallback. */
  formats?: readonly PictureFormat[];
  loading?: 'lazy' | 'eager';
}
