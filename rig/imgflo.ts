/**
 * imgflow/rig/imgflo: rig 0.4 (npm rig-up) and imgflo-url 1.2 reproduced output for output and
 * error for error, synchronously, quirks included, for pages that were built with them. The
 * URLs carry imgflo-server's MD5 token, which an imgflow server accepts for applications in
 * imgflo mode (docs/signing.md). New code should use imgflow/rig, which signs with HMAC.
 *
 * Values are used as those libraries used them: nothing is rounded, sorted copies are not made
 * where rig sorted in place, and a missing value is one that is `null` or `undefined`.
 */
import { md5Hex } from './_internal/md5.ts';
import { requireCover } from './_internal/cover.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- the point is to take what JavaScript callers passed */
type Loose = any;

export interface ImgfloConfig {
  /** Used verbatim: `https://imgflo.herokuapp.com/` (imgflo-url appends `graph/...`). */
  server: string;
  key: string;
  secret: string;
}

/** imgflo-url's MD5 over the UTF-8 bytes, which (like its `unescape(encodeURI())`) refuses lone surrogates. */
function md5Utf8(text: string): string {
  encodeURI(text); // throws URIError: URI malformed, as imgflo-url did
  return md5Hex(text);
}

/**
 * imgflo-url 1.2 (`imgflo(config, graph, params, format)`): the URL of `graph` applied to
 * `params.input`, signed with `md5(graph[.format] + query + secret)`.
 */
export function imgfloUrl(config: Loose, graph: Loose, params?: Loose, format?: Loose): string {
  if (config == null) throw new Error('imgflo config object not provided');
  const { server, key, secret } = config;
  if (server == null) throw new Error('imgflo config must contain a "server" key');
  if (key == null) throw new Error('imgflo config must contain a "key" key');
  if (secret == null) throw new Error('imgflo config must contain a "secret" key');
  if (graph == null) throw new Error('imgflo graph name not provided');
  if (params == null) throw new Error('imgflo params not provided');
  let input = params.input;
  if (input == null) throw new Error('imgflo params must contain an "input" key');
  const scheme = input.substring(0, 5);
  if (scheme === 'data:' || scheme === 'blob:') return input;

  // imgflo-url's `if index = input.indexOf('//') < 7` assigns the comparison: the index is
  // true (1) or false (0), so 3 or 2 characters are cut, never the scheme.
  const index = input.indexOf('//') < 7;
  input = input.substring(Number(index) + 2);
  const dirs = input.split('/');
  let last = dirs[dirs.length - 1].split('?')[0];
  last = last.split(':')[0];
  if (format == null) format = last.match(/\.(\w+)$/)?.[1].toLowerCase();
  if (format != null && typeof format === 'string') format = format.toLowerCase();

  let all = params;
  if (format === 'tif') format = 'png';
  else if (format === 'gif') {
    graph = 'noop';
    all = { input: params.input };
  }
  if (format != null) graph = `${graph}.${format}`;

  let query: string | undefined;
  for (const param of Object.keys(all).sort()) {
    query = query ? `${query}&` : '?';
    query += `${param}=${encodeURIComponent(all[param])}`;
  }
  const token = md5Utf8(`${graph}${query}${secret}`);
  return `${server}graph/${key}/${token}/${graph}${query}`;
}

export interface RigCover { src: string; width: number; height: number }
export interface RigOptions {
  block: { cover: RigCover };
  config: ImgfloConfig;
  graph: string;
  params?: Record<string, unknown>;
}
export interface RigItem { query: string; selector: string; width?: number; height?: number }

function validate(block: Loose, config: Loose, graph: Loose): void {
  requireCover(block);
  if (config == null) throw new Error('imgflo config not provided');
  if (graph == null) throw new Error('imgflo graph name not provided');
}

/** The caller's params, then input/width/height written over them (rig 0.4's merge order). */
function merged(params: Loose, additional: Record<string, unknown>): Record<string, unknown> {
  const full: Record<string, unknown> = {};
  for (const key in params) full[key] = params[key];
  for (const key in additional) full[key] = additional[key];
  return full;
}

/**
 * rig 0.4 generate: one `@media` block per item, joined by a blank line. Each item is checked
 * when it is reached; its size is the cover's, or w x w/(W/H) when w < W, or h*(W/H) x h when
 * h < H, never rounded.
 */
export function generate(options: RigOptions & { items: RigItem[] }): string {
  const { block, config, graph, params, items } = options as Loose;
  validate(block, config, graph);
  if (items == null) throw new Error('query items not provided');
  const { cover } = block;
  const blocks: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const { query, selector, width, height } = items[i];
    if (query == null) throw new Error('media query not provided');
    if (selector == null) throw new Error('selector not provided');
    if (!(width != null || height != null)) throw new Error('width or height not provided');
    if (width != null && height != null) throw new Error('width or height must be provided, but not both');
    const additional: Record<string, unknown> = { input: cover.src, width: cover.width, height: cover.height };
    if (width != null && width < cover.width) {
      additional.width = width;
      additional.height = width / (cover.width / cover.height);
    }
    if (height != null && height < cover.height) {
      additional.width = height * (cover.width / cover.height);
      additional.height = height;
    }
    const url = imgfloUrl(config, graph, merged(params, additional));
    blocks.push(`@media ${query} {\n  ${selector} {\n    background-image: url('${url}');\n  }\n}`);
  }
  return blocks.join('\n\n');
}

/**
 * rig 0.4 breakpoints: sorts `breakpoints` in place, then (max-P: b0-1px) sized b0-1,
 * (min-P: b[i-1]px) and (max-P: b[i]-1px) sized b[i]-1, and (min-P: bLastpx) sized bLast.
 */
export function breakpoints(options: RigOptions & { property: 'width' | 'height'; selector: string; breakpoints: number[] }): string {
  const { block, config, graph, params, property, selector, breakpoints: list } = options as Loose;
  validate(block, config, graph);
  if (property == null) throw new Error('property not provided');
  if (property !== 'width' && property !== 'height') throw new Error('invalid property provided');
  if (selector == null) throw new Error('selector not provided');
  if (list == null) throw new Error('breakpoints not provided');
  const items: Loose[] = [];
  const sorted = list.sort((a: number, b: number) => a - b);
  for (let index = 0; index < sorted.length; index++) {
    const breakpoint = sorted[index];
    const max = breakpoint - 1;
    const query = index === 0 ? `(max-${property}: ${max}px)` : `(min-${property}: ${list[index - 1]}px) and (max-${property}: ${max}px)`;
    items.push({ selector, query, [property]: max });
    if (index === list.length - 1) items.push({ selector, query: `(min-${property}: ${breakpoint}px)`, [property]: breakpoint });
  }
  return generate({ block, config, graph, params, items });
}

/**
 * rig 0.4 srcset: `src` at the cover's size; `srcset` has `URL Nw` for each breakpoint below
 * the cover's width, ascending (the list itself is left alone), then `src Ww` when any
 * breakpoint is at least that width, joined by `, `.
 */
export function srcset(options: RigOptions & { breakpoints: number[] }): { src: string; srcset: string } {
  const { block, config, graph, params, breakpoints: list } = options as Loose;
  validate(block, config, graph);
  if (list == null) throw new Error('breakpoints not provided');
  const { cover } = block;
  const src = imgfloUrl(config, graph, merged(params, { input: cover.src, width: cover.width, height: cover.height }));
  const filtered: number[] = [];
  for (let i = 0; i < list.length; i++) if (list[i] < cover.width) filtered.push(list[i]);
  const entries: string[] = [];
  for (const breakpoint of filtered.sort((a, b) => a - b)) {
    const url = imgfloUrl(config, graph, merged(params, { input: cover.src, width: breakpoint, height: breakpoint / (cover.width / cover.height) }));
    entries.push(`${url} ${breakpoint}w`);
  }
  if (list.length > filtered.length) entries.push(`${src} ${cover.width}w`);
  return { src, srcset: entries.join(', ') };
}
