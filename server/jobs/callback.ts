/**
 * Completion notices: when a job finishes, each callback URL given with it receives a POST of
 * JSON (the job's status), signed with the app's secret, retried with backoff until it
 * answers 2xx or the attempts run out. Sent under the input fetcher's address rules.
 */
import { createHmac } from 'node:crypto';
import { errors } from '../../runtime/errors.ts';
import type { Config } from '../config.ts';
import { postToUrl } from '../input/fetch-source.ts';
import type { JobStatus } from './types.ts';

export const SIGNATURE_HEADER = 'x-imgflow-signature';

/** Request-time check of `callback=`: one absolute http(s) URL without credentials. */
export function parseCallback(raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  const bad = (why: string) => errors.IMGFLOW_ERR_CALLBACK_INVALID({ parameter: 'callback' }, undefined, JSON.stringify(raw), why);
  if (typeof raw !== 'string') throw bad('give exactly one callback URL');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('it is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad('only http and https are allowed');
  if (url.username || url.password) throw bad('credentials in URLs are not allowed');
  return url.href;
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`: what a receiver checks. */
export function signCallback(secret: string, body: string, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

export interface CallbackLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});

/** Resolves true once `url` answered 2xx, false when every attempt failed (each is logged). */
export async function deliverCallback(config: Config, url: string, status: JobStatus, secret: string | undefined, log: CallbackLog, signal?: AbortSignal): Promise<boolean> {
  const body = JSON.stringify({ event: `job.${status.state}`, job: status });
  for (let attempt = 1; attempt <= config.callbackAttempts; attempt++) {
    if (signal?.aborted) return false;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (secret) headers[SIGNATURE_HEADER] = signCallback(secret, body);
    try {
      const code = await postToUrl(url, body, headers, {
        timeoutMs: config.callbackTimeoutMs,
        maxBytes: 0,
        maxRedirects: 0,
        allowPrivate: config.allowPrivateSources,
        userAgent: 'imgflow-callback',
        signal,
      });
      if (code >= 200 && code < 300) {
        log.info({ job: status.id, callback: url, attempt }, 'callback delivered');
        return true;
      }
      log.warn({ job: status.id, callback: url, attempt, status: code }, 'callback refused');
    } catch (err) {
      log.warn({ job: status.id, callback: url, attempt, err: (err as Error).message }, 'callback failed');
    }
    if (attempt < config.callbackAttempts) await sleep(config.callbackBackoffMs * 2 ** (attempt - 1), signal);
  }
  return false;
}
