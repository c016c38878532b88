/**
 * Legacy imgflo-server URLs, as npm imgflo-url 1.2.0 builds them: for migrating old clients and
 * for servers that still accept the old token. New code signs with buildSignedUrl.
 */
import { md5Hex } from './md5.ts';
import { imgfloUrl } from '../imgflo.ts';

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

/**
 * imgflo-url 1.2, exactly (rig/imgflo.ts): keys sorted, `key=encodeURIComponent(value)` pairs,
 * format from the input's extension unless given (`tif` becomes `png`; `gif` forces graph `noop`
 * with only `input`), `data:` and `blob:` inputs returned unchanged, and imgflo-url's errors
 * (`imgflo config object not provided`, ...) for a missing config, key, graph or input.
 */
export function buildImgfloUrl(
  config: ImgfloConfig,
  graph: string,
  params: Readonly<Record<string, string | number | boolean>>,
  format?: string,
): string {
  return imgfloUrl(config, graph, params, format);
}
