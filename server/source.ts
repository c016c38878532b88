/** Where the input image comes from: the `input` URL or the POST body; checked before any decode. */
import { createHash } from 'node:crypto';
import type { Config } from './config.ts';
import { errors } from '../runtime/errors.ts';
import { fetchSource } from './input/fetch-source.ts';
import { parseAllowlist } from './input/host-allowlist.ts';
import { checkImage, type ImageInfo } from './input/check-image.ts';
import { inputBudgetFor, type BytesHold } from './input/input-budget.ts';
import { isChainedInput, type ChainedLoader } from './input/chained.ts';
import { readOriginal } from './uploads/store.ts';

/** `input=upload:<id>`: an upload's original as a graph's input. */
export const UPLOAD_INPUT = 'upload:';

export interface Source {
  bytes: Buffer;
  fetchMs: number;
  /** Format and size from the header (nothing decoded). */
  info: ImageInfo;
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
 * image parameters (deepdream's guide), Flowhub sample URLs and the CLI. It runs within the
 * server's input budget: it waits for a download slot, and its bytes count against the bytes
 * in flight in `hold` (the caller releases it when done with the bytes), or only while
 * downloading when no hold is given.
 */
export async function fetchWithConfig(config: Config, url: string, signal?: AbortSignal, userAgent = USER_AGENT, hold?: BytesHold): Promise<Buffer> {
  const budget = inputBudgetFor(config);
  const own = hold ? undefined : budget.hold();
  const bytes = own ?? hold!;
  try {
    const fetched = await budget.download(() => fetchSource(url, {
      timeoutMs: config.fetchTimeoutMs,
      maxBytes: config.maxInputBytes,
      maxRedirects: config.maxRedirects,
      allowPrivate: config.allowPrivateSources,
      allowedHosts: allowlistOf(config),
      userAgent,
      signal,
      reserveBytes: (n) => bytes.take(n),
    }), signal);
    return fetched.bytes;
  } finally {
    own?.release();
  }
}

/** The request's input, fetched (its bytes taken from `hold`) or POSTed, checked from its header. */
export async function loadSource(config: Config, input: unknown, body: Buffer | undefined, signal?: AbortSignal, hold?: BytesHold, chained?: ChainedLoader): Promise<Source> {
  const t0 = performance.now();
  let bytes: Buffer;
  if (body && body.length > 0) {
    bytes = body;
  } else if (typeof input === 'string' && input.startsWith(UPLOAD_INPUT)) {
    // An upload on this server (server/uploads): read from the upload store, no fetch.
    bytes = (await readOriginal(config, input.slice(UPLOAD_INPUT.length))).bytes;
    hold?.take(bytes.length);
  } else if (typeof input === 'string' && chained && isChainedInput(input)) {
    // Another graph's output is an input like any other: the same size limit, and its bytes
    // held in the server's budget while this request needs them.
    bytes = await chained(input, signal);
    if (bytes.length > config.maxInputBytes) throw errors.IMGFLOW_ERR_INPUT_TOO_LARGE({ input, bytes: bytes.length }, undefined, config.maxInputBytes);
    hold?.take(bytes.length);
  } else if (typeof input === 'string' && input !== '') {
    if (!/^https?:\/\//i.test(input)) throw errors.IMGFLOW_ERR_INPUT_URL({ input }, undefined, input, 'only http and https URLs are fetched');
    bytes = await fetchWithConfig(config, input, signal, USER_AGENT, hold);
  } else if (Array.isArray(input)) {
    throw errors.IMGFLOW_ERR_PARAM_INVALID({ parameter: 'input' }, undefined, 'a single URL', 'input', `${input.length} values`);
  } else {
    throw errors.IMGFLOW_ERR_INPUT_MISSING();
  }
  const fetchMs = performance.now() - t0;
  // Format and pixel count from the header, before anything decodes it.
  const info = await checkImage(bytes, { maxPixels: config.maxInputPixels });
  return { bytes, fetchMs, info };
}
