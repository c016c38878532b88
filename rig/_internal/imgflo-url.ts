/**
 * Legacy imgflo-server URLs, as npm imgflo-url 1.2.0 builds them: for migrating old clients and
 * for servers that still accept the old token. New code signs with buildSignedUrl.
 */
import { md5Hex } from './md5.ts';

/** An imgflo-server application: `server` ends with `/` (imgflo-url appends `graph/...`). */
export interface ImgfloConfig {
  server: string;
  key: string;
  secret: string;
}

/**
 * imgflo-server's token: hex MD5 of `graphWithExt + query + secret`, where `query` is the raw
 * query string with its leading `?` (or `''`). Secret-suffix MD5, not an HMAC: legacy only.
 */
export function imgfloToken(graphWithExt: string, query: string, secret: string): string {
  return md5Hex(graphWithExt + query + secret);
}

/** The output format imgflo-url infers from the input URL's last path segment. */
function formatFromInput(input: string): string | undefined {
  // imgflo-url strips the scheme with an operator-precedence bug; only the last segment matters.
  const withoutScheme = input.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//, '');
  const dirs = withoutScheme.split('/');
  const last = dirs[dirs.length - 1].split('?')[0].split(':')[0];
  return /\.(\w+)$/.exec(last)?.[1].toLowerCase();
}

/**
 * imgflo-url 1.2.0: keys sorted, `key=encodeURIComponent(value)` pairs, format from the input's
 * extension unless given (`tif` becomes `png`; `gif` forces graph `noop` with only `input`),
 * `data:` and `blob:` inputs returned unchanged.
 */
export function buildImgfloUrl(
  config: ImgfloConfig,
  graph: string,
  params: Readonly<Record<string, string | number | boolean>>,
  format?: string,
): string {
  const input = params?.input;
  if (typeof input !== 'string') throw new TypeError('imgflo params must contain an "input" key');
  if (input.startsWith('data:') || input.startsWith('blob:')) return input;

  let fmt = format === undefined ? formatFromInput(input) : format.toLowerCase();
  let name = graph;
  let all: Readonly<Record<string, string | number | boolean>> = params;
  if (fmt === 'tif') fmt = 'png';
  if (fmt === 'gif') {
    name = 'noop';
    all = { input };
  }
  if (fmt !== undefined) name = `${name}.${fmt}`;

  const query = Object.keys(all)
    .sort()
    .map((key, i) => `${i === 0 ? '?' : '&'}${key}=${encodeURIComponent(all[key])}`)
    .join('');
  return `${config.server}graph/${config.key}/${imgfloToken(name, query, config.secret)}/${name}${query}`;
}
