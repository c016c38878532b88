/** Where the input image comes from: the `input` URL or the POST body; checked before any decode. */
import { createHash } from 'node:crypto';
import type { Config } from './config.ts';
import { errors } from '../runtime/errors.ts';
import { fetchSource } from './input/fetch-source.ts';
import { parseAllowlist } from './input/host-allowlist.ts';
import { checkImage } from './input/check-image.ts';

export interface Source {
  bytes: Buffer;
  fetchMs: number;
}

const USER_AGENT = 'imgflow/0.1 (+https://github.com/imgflow)';

/**
 * The input's identity for cache keys, known before any fetch: a POSTed body's hash, else the
 * `input` URL as given. `undefined` when there is no usable input (loadSource then refuses).
 */
export function sourceIdentity(input: unknown, body: Buffer | undefined): string | undefined {
  if (body && body.length > 0) return `body:${createHash('sha256').update(body).digest('hex')}`;
  if (typeof input === 'string' && input !== '') return `url:${input}`;
  return undefined;
}

// The allowlist is parsed once per distinct setting (config is frozen, usually one per process).
const allowlists = new Map<string, readonly string[] | undefined>();
function allowlistOf(config: Config): readonly string[] | undefined {
  const text = config.allowedSourceHosts;
  if (text === undefined) return undefined;
  if (!allowlists.has(text)) allowlists.set(text, parseAllowlist(text));
  return allowlists.get(text);
}

/**
 * Fetches a URL with the configured time, byte and redirect limits and source policy
 * (private-address rule, host allowlist). Every server-side fetch goes through here: inputs,
 * image parameters (deepdream's guide), Flowhub sample URLs and the CLI.
 */
export async function fetchWithConfig(config: Config, url: string, signal?: AbortSignal, userAgent = USER_AGENT): Promise<Buffer> {
  const fetched = await fetchSource(url, {
    timeoutMs: config.fetchTimeoutMs,
    maxBytes: config.maxInputBytes,
    maxRedirects: config.maxRedirects,
    allowPrivate: config.allowPrivateSources,
    allowedHosts: allowlistOf(config),
    userAgent,
    signal,
  });
  return fetched.bytes;
}

export async function loadSource(config: Config, input: unknown, body: Buffer | undefined, signal?: AbortSignal): Promise<Source> {
  const t0 = performance.now();
  let bytes: Buffer;
  if (body && body.length > 0) {
    bytes = body;
  } else if (typeof input === 'string' && input !== '') {
    if (!/^https?:\/\//i.test(input)) throw errors.IMGFLOW_ERR_INPUT_URL({ input }, undefined, input, 'only http and https URLs are fetched');
    bytes = await fetchWithConfig(config, input, signal);
  } else if (Array.isArray(input)) {
    throw errors.IMGFLOW_ERR_PARAM_INVALID({ parameter: 'input' }, undefined, 'a single URL', 'input', `${input.length} values`);
  } else {
    throw errors.IMGFLOW_ERR_INPUT_MISSING();
  }
  const fetchMs = performance.now() - t0;
  // Format and pixel count from the header, before anything decodes it.
  await checkImage(bytes, { maxPixels: config.maxInputPixels });
  return { bytes, fetchMs };
}
