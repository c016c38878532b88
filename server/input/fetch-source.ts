/**
 * Fetches a source image over http(s), SSRF-safe, size-capped and time-bounded.
 *
 * node:http/https with keep-alive agents rather than fetch(): less CPU per request, and
 * the agent's `lookup` hook is where the private-address rule is enforced on the address
 * that is actually dialled, so DNS rebinding between a check and the connect is impossible.
 */
import dns, { type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { errors, ImgflowError } from '../../runtime/errors.ts';
import { isPublicAddress } from './address.ts';
import { hostAllowed } from './host-allowlist.ts';

export interface FetchSourceOptions {
  /** Total time for all hops: DNS, connect, headers and body. */
  timeoutMs: number;
  /** Largest body accepted, enforced while streaming. */
  maxBytes: number;
  /** Redirects followed (each hop re-validated); one more is an error. */
  maxRedirects: number;
  /** Allow loopback, private, link-local... addresses (trusted networks, tests). */
  allowPrivate: boolean;
  userAgent: string;
  /**
   * Hosts allowed at every hop, as parseAllowlist returns them: `example.com` or
   * `*.example.com`. Unset: any host.
   */
  allowedHosts?: readonly string[];
  /** Cancels the fetch (client went away); rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Accounts for body bytes before they are held: called with Content-Length before the buffer
   * is allocated, then with each chunk's bytes beyond what was reserved. Throwing ends the
   * download (socket closed) with that error: how a server-wide byte budget is enforced.
   */
  reserveBytes?: (bytes: number) => void;
  /**
   * DNS resolver replacing dns.lookup (caching resolver, tests); its answers still go
   * through the address rule. Setting it or isAddressAllowed disables keep-alive.
   */
  lookup?: LookupFunction;
  /** Replaces isPublicAddress as the rule applied when allowPrivate is false. */
  isAddressAllowed?: (address: string) => boolean;
}

export interface FetchedSource {
  bytes: Buffer;
  /** URL of the last hop, after redirects. */
  finalUrl: string;
  etag?: string;
  lastModified?: string;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const ACCEPT = 'image/avif,image/webp,image/png,image/jpeg,image/*;q=0.8,*/*;q=0.5';
const REFUSED_ADDRESS = 'IMGFLOW_REFUSED_ADDRESS';

interface Policy {
  http: http.Agent;
  https: https.Agent;
  /** Undefined when every address is allowed. */
  isAllowed?: (address: string) => boolean;
  /** Agents made for this call only, destroyed after it. */
  own: boolean;
}

class RefusedAddressError extends Error {
  readonly code = REFUSED_ADDRESS;
}

/** Wraps a resolver so that a host with any refused address fails before connecting. */
function guardLookup(isAllowed: (address: string) => boolean, base: LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    base(hostname, { ...options, all: true }, (err, result) => {
      if (err) return callback(err, '');
      const list: LookupAddress[] = typeof result === 'string' ? [{ address: result, family: isIP(result) }] : result;
      // Refuse the host if any answer is refused: a mixed answer is a rebinding attempt.
      if (list.length === 0 || list.some((a) => !isAllowed(a.address))) {
        return callback(new RefusedAddressError(`${hostname} resolves to a non-public address`), '');
      }
      if (options.all) callback(null, list);
      else callback(null, list[0].address, list[0].family);
    });
  };
}

function makeAgents(keepAlive: boolean, lookup: LookupFunction | undefined) {
  // Free sockets are closed after 4 s, before the usual 5 s server keep-alive timeout.
  const options = { keepAlive, timeout: 4000, ...(lookup ? { lookup } : {}) };
  return { http: new http.Agent(options), https: new https.Agent(options) };
}

// Shared keep-alive pools, one per rule, so a socket opened to a private address while
// private sources were allowed is never reused by a call where they are not.
let strictPolicy: Policy | undefined;
let openPolicy: Policy | undefined;

function policyFor(opts: FetchSourceOptions): Policy {
  if (opts.lookup || opts.isAddressAllowed) {
    const isAllowed = opts.allowPrivate ? undefined : (opts.isAddressAllowed ?? isPublicAddress);
    const base = opts.lookup ?? (dns.lookup as LookupFunction);
    return { ...makeAgents(false, isAllowed ? guardLookup(isAllowed, base) : base), isAllowed, own: true };
  }
  if (opts.allowPrivate) {
    return (openPolicy ??= { ...makeAgents(true, undefined), own: false });
  }
  return (strictPolicy ??= {
    ...makeAgents(true, guardLookup(isPublicAddress, dns.lookup as LookupFunction)),
    isAllowed: isPublicAddress,
    own: false,
  });
}

/** Closes the shared keep-alive sockets (graceful shutdown). */
export function closeSourceAgents(): void {
  for (const p of [strictPolicy, openPolicy]) {
    p?.http.destroy();
    p?.https.destroy();
  }
  strictPolicy = openPolicy = undefined;
}

function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** The checks every hop passes before any connection: scheme, credentials, host, literal IP. */
function validateUrl(raw: string | URL, opts: FetchSourceOptions, policy: Policy, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch (err) {
    throw errors.IMGFLOW_ERR_INPUT_URL({ url: String(raw) }, err, String(raw), 'it is not a valid URL');
  }
  const refuse = (reason: string) =>
    errors.IMGFLOW_ERR_INPUT_URL({ url: url.href, reason, ...(base ? { redirectedFrom: base.href } : {}) }, undefined, url.href, reason);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse('only http and https are allowed');
  if (url.username || url.password) throw refuse('credentials in URLs are not allowed');
  if (opts.allowedHosts && !hostAllowed(url.hostname, opts.allowedHosts)) throw refuse(`its host ${url.hostname} is not in the allowlist`);
  // WHATWG parsing has already turned numeric forms (2130706433, 0x7f.1, 127.1) into
  // dotted quads. Literal IPs skip DNS, hence the lookup guard, so they are checked here.
  const host = bareHost(url);
  if (policy.isAllowed && isIP(host) && !policy.isAllowed(host)) throw refuse(`it points to a non-public address${PRIVATE_HINT}`);
  return url;
}

/** Said with every refusal of a private address: the one setting a developer trying it locally needs. */
const PRIVATE_HINT = ' (a server on a trusted network allows these with IMGFLOW_ALLOW_PRIVATE_SOURCES=1)';

const NETWORK_REASONS: Record<string, string> = {
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (DNS temporary failure)',
  EAI_FAIL: 'host not found',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
};

/** Whether the fetch's time limit has passed (the error is then a timeout, whatever else failed). */
interface TimeLimit { readonly aborted: boolean }

/**
 * The signal a fetch runs under: aborted when its time limit passes or the caller's signal
 * aborts. A timer and one listener of its own, both removed by `end()` as the fetch ends.
 * Not AbortSignal.timeout + AbortSignal.any: their timer and weak references outlive the fetch
 * by the whole time limit, and under `node --cpu-prof` AbortSignal.any alone took ~2.5 ms of
 * main-thread CPU per input (without the profiler the two cost about the same: bench/README.md,
 * "Uncached path").
 */
function fetchDeadline(opts: Pick<FetchSourceOptions, 'timeoutMs' | 'signal'>): { signal: AbortSignal; timeout: TimeLimit; end(): void } {
  const controller = new AbortController();
  const timeout = { aborted: false };
  const caller = opts.signal;
  const timer = setTimeout(() => {
    timeout.aborted = true;
    controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  }, opts.timeoutMs);
  // Like AbortSignal.timeout's: a pending fetch's limit does not keep the process alive.
  timer.unref();
  const onAbort = () => controller.abort(caller!.reason);
  if (caller?.aborted) onAbort();
  else caller?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    timeout,
    end() {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onAbort);
    },
  };
}

/** Any failure of a hop as an ImgflowError. The upstream's addresses never reach the message. */
function toFetchError(err: unknown, url: URL, opts: FetchSourceOptions, timeout: TimeLimit): Error {
  if (timeout.aborted) {
    return errors.IMGFLOW_ERR_UPSTREAM_TIMEOUT({ url: url.href, timeoutMs: opts.timeoutMs }, err, url.href, opts.timeoutMs);
  }
  if (opts.signal?.aborted) return opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted');
  if (err instanceof ImgflowError) return err;
  const code = (err as { code?: unknown })?.code;
  if (code === REFUSED_ADDRESS) {
    const reason = `it resolves to a non-public address${PRIVATE_HINT}`;
    return errors.IMGFLOW_ERR_INPUT_URL({ url: url.href, reason }, err, url.href, reason);
  }
  let reason = typeof code === 'string' ? NETWORK_REASONS[code] : undefined;
  if (!reason && typeof code === 'string') {
    if (code.startsWith('HPE_')) reason = 'invalid HTTP response';
    else if (/TLS|CERT|SSL/.test(code)) reason = 'TLS error';
  }
  return errors.IMGFLOW_ERR_UPSTREAM_UNREACHABLE({ url: url.href, networkCode: code }, err, url.href, reason ?? 'network error');
}

/** Last line of defence: the peer of a fresh socket must pass the rule too. */
function checkPeer(req: http.ClientRequest, socket: Socket, isAllowed: (address: string) => boolean): void {
  const check = () => {
    const peer = socket.remoteAddress;
    if (peer !== undefined && !isAllowed(peer)) req.destroy(new RefusedAddressError('connected to a non-public address'));
  };
  if (socket.connecting) socket.once('connect', check);
  else check();
}

/** A request to a checked URL through the policy's agents; the peer is checked on every socket. */
function openRequest(url: URL, method: 'GET' | 'POST', policy: Policy, signal: AbortSignal, headers: Record<string, string>): http.ClientRequest {
  const isHttps = url.protocol === 'https:';
  const req = (isHttps ? https : http).request({
    protocol: url.protocol,
    hostname: bareHost(url),
    port: url.port || undefined,
    path: url.pathname + url.search,
    method,
    agent: isHttps ? policy.https : policy.http,
    signal,
    headers,
  });
  const isAllowed = policy.isAllowed;
  if (isAllowed) req.on('socket', (socket) => checkPeer(req, socket, isAllowed));
  return req;
}

function request(url: URL, opts: FetchSourceOptions, policy: Policy, signal: AbortSignal, retried = false): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = openRequest(url, 'GET', policy, signal, { 'user-agent': opts.userAgent, accept: ACCEPT, 'accept-encoding': 'identity' });
    let responded = false;
    req.on('response', (res) => {
      responded = true;
      resolve(res);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (responded) return; // the response stream reports it
      // A kept-alive socket the server closed meanwhile: retry once on a new one (GET).
      if (req.reusedSocket && err.code === 'ECONNRESET' && !retried && !signal.aborted) {
        resolve(request(url, opts, policy, signal, true));
      } else {
        reject(err);
      }
    });
    req.end();
  });
}

function tooLarge(url: URL, maxBytes: number, received: number | undefined, declared?: number): ImgflowError {
  return errors.IMGFLOW_ERR_INPUT_TOO_LARGE({ url: url.href, maxBytes, received, declared }, undefined, maxBytes);
}

function readBody(res: http.IncomingMessage, url: URL, opts: FetchSourceOptions, signal: AbortSignal, timeout: TimeLimit): Promise<Buffer> {
  const declared = res.headers['content-length'];
  if (declared !== undefined && Number(declared) > opts.maxBytes) {
    res.destroy(); // the socket goes with it: the rest of the body is never read
    return Promise.reject(tooLarge(url, opts.maxBytes, undefined, Number(declared)));
  }
  // With a Content-Length (within the cap) the body is copied once into a buffer of that size
  // as it arrives, instead of kept as chunks and concatenated: one pass over the bytes less.
  const expected = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined;
  let reserved = 0;
  if (expected !== undefined && opts.reserveBytes) {
    try {
      opts.reserveBytes(expected);
    } catch (err) {
      res.destroy();
      return Promise.reject(err);
    }
    reserved = expected;
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const body = expected !== undefined && expected > 0 ? Buffer.allocUnsafe(expected) : undefined;
    let filled = 0;
    let size = 0;
    let settled = false;
    const finish = (err: Error | undefined) => {
      if (settled) return;
      settled = true;
      res.off('data', onData);
      signal.removeEventListener('abort', onAbort);
      if (err) {
        res.destroy();
        reject(err);
      } else {
        if (body && filled === size && size === expected) resolve(body);
        else if (body) resolve(Buffer.concat([body.subarray(0, filled), ...chunks], size));
        else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
      }
    };
    // Content-Length is a hint only: the cap is enforced on the bytes that arrive.
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > opts.maxBytes) return finish(tooLarge(url, opts.maxBytes, size));
      if (size > reserved && opts.reserveBytes) {
        try {
          opts.reserveBytes(size - reserved);
        } catch (err) {
          return finish(err as Error);
        }
        reserved = size;
      }
      if (body && chunks.length === 0 && filled + chunk.length <= expected!) filled += chunk.copy(body, filled);
      else chunks.push(chunk);
    };
    const onAbort = () => finish(toFetchError(signal.reason, url, opts, timeout));
    res.on('data', onData);
    res.on('end', () => finish(undefined));
    res.on('error', (err) => finish(toFetchError(err, url, opts, timeout)));
    res.on('close', () => {
      if (!res.complete) finish(toFetchError(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }), url, opts, timeout));
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Fetches `url`, following at most `maxRedirects` redirects by hand, each hop re-validated.
 *
 * @throws IMGFLOW_ERR_INPUT_URL (400) bad scheme, credentials, host not allowed, non-public address
 * @throws IMGFLOW_ERR_INPUT_TOO_LARGE (413) body over maxBytes
 * @throws IMGFLOW_ERR_UPSTREAM_STATUS (502) non-2xx answer, redirect without Location
 * @throws IMGFLOW_ERR_UPSTREAM_REDIRECTS (502) more than maxRedirects redirects
 * @throws IMGFLOW_ERR_UPSTREAM_UNREACHABLE (502) DNS failure, refused or reset connection, TLS
 * @throws IMGFLOW_ERR_UPSTREAM_TIMEOUT (504) not done within timeoutMs
 */
export async function fetchSource(url: string, opts: FetchSourceOptions): Promise<FetchedSource> {
  const policy = policyFor(opts);
  const { signal, timeout, end } = fetchDeadline(opts);
  try {
    let current = validateUrl(url, opts, policy);
    for (let redirects = 0; ; redirects++) {
      let res: http.IncomingMessage;
      try {
        res = await request(current, opts, policy, signal);
      } catch (err) {
        throw toFetchError(err, current, opts, timeout);
      }
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        const bytes = await readBody(res, current, opts, signal, timeout);
        const { etag, 'last-modified': lastModified } = res.headers;
        return {
          bytes,
          finalUrl: current.href,
          ...(etag ? { etag } : {}),
          ...(lastModified ? { lastModified } : {}),
        };
      }
      // Not reading the body of a redirect or error page; destroying costs one socket.
      res.destroy();
      const location = res.headers.location;
      if (!REDIRECT_STATUSES.has(status) || !location) {
        throw errors.IMGFLOW_ERR_UPSTREAM_STATUS({ url: current.href, status }, undefined, current.href, status);
      }
      if (redirects >= opts.maxRedirects) {
        throw errors.IMGFLOW_ERR_UPSTREAM_REDIRECTS(
          { url, lastUrl: current.href, maxRedirects: opts.maxRedirects },
          undefined,
          url,
          opts.maxRedirects,
        );
      }
      current = validateUrl(location, opts, policy, current);
    }
  } finally {
    end();
    if (policy.own) {
      policy.http.destroy();
      policy.https.destroy();
    }
  }
}

/**
 * POSTs a small body to a user-given URL under the same rules as fetchSource (scheme,
 * credentials, address checked on what is dialled, total time); redirects are not followed.
 * Resolves to the HTTP status; rejects like fetchSource. Job completion callbacks use it.
 */
export async function postToUrl(url: string, body: string, headers: Record<string, string>, opts: FetchSourceOptions): Promise<number> {
  const policy = policyFor(opts);
  const { signal, timeout, end } = fetchDeadline(opts);
  let target: URL | undefined;
  try {
    target = validateUrl(url, opts, policy);
    const checked = target;
    return await new Promise<number>((resolve, reject) => {
      const req = openRequest(checked, 'POST', policy, signal, { 'user-agent': opts.userAgent, 'content-length': String(Buffer.byteLength(body)), ...headers });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  } catch (err) {
    // A URL refused by validateUrl is already a coded error.
    if (!target) throw err;
    throw toFetchError(err, target, opts, timeout);
  } finally {
    end();
    if (policy.own) {
      policy.http.destroy();
      policy.https.destroy();
    }
  }
}
