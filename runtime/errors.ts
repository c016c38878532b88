/**
 * Every error imgflow reports to a user lives here, with its HTTP status and a stable code
 * (fastify's lib/errors.js model). Codes are documented in docs/errors.md; a retired code is
 * never reused.
 */

export class ImgflowError extends Error {
  readonly code: string;
  readonly statusCode: number;
  /** Machine-readable extras for the response body (which parameter, what it accepts...). */
  readonly details: Record<string, unknown>;

  constructor(code: string, statusCode: number, message: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ImgflowError';
    this.code = code;
    this.statusCode = statusCode;
    this.details = details;
  }
}

export interface ErrorFactory {
  (details?: Record<string, unknown>, cause?: unknown, ...args: unknown[]): ImgflowError;
  readonly code: string;
  readonly statusCode: number;
}

function format(template: string, args: unknown[]): string {
  let i = 0;
  return template.replace(/%s/g, () => String(args[i++]));
}

export function createError(code: string, template: string, statusCode: number): ErrorFactory {
  const factory = (details: Record<string, unknown> = {}, cause?: unknown, ...args: unknown[]) =>
    new ImgflowError(code, statusCode, format(template, args), details, cause);
  return Object.assign(factory, { code, statusCode });
}

/** The registry. Keys equal the codes (checked in spec/errors.spec.ts). */
export const errors = {
  IMGFLOW_ERR_PARAM_INVALID: createError('IMGFLOW_ERR_PARAM_INVALID', 'Expected %s for %s but received %s', 400),
  IMGFLOW_ERR_PARAM_UNKNOWN: createError('IMGFLOW_ERR_PARAM_UNKNOWN', 'Unknown parameter %s for graph %s; it accepts: %s', 400),
  IMGFLOW_ERR_PARAM_MISSING: createError('IMGFLOW_ERR_PARAM_MISSING', 'Missing required parameter %s', 400),
  IMGFLOW_ERR_FORMAT_UNSUPPORTED: createError('IMGFLOW_ERR_FORMAT_UNSUPPORTED', 'Unsupported output format %s; supported: %s', 415),
  IMGFLOW_ERR_INPUT_MISSING: createError('IMGFLOW_ERR_INPUT_MISSING', 'No input image: pass input=<http(s) URL> or POST the image as the body', 400),
  IMGFLOW_ERR_INPUT_URL: createError('IMGFLOW_ERR_INPUT_URL', 'Input URL %s is not allowed: %s', 400),
  IMGFLOW_ERR_INPUT_NOT_IMAGE: createError('IMGFLOW_ERR_INPUT_NOT_IMAGE', 'Input is not an image in a supported format (%s)', 415),
  IMGFLOW_ERR_INPUT_CORRUPT: createError('IMGFLOW_ERR_INPUT_CORRUPT', 'Input image could not be decoded: %s', 422),
  IMGFLOW_ERR_INPUT_TOO_MANY_PIXELS: createError('IMGFLOW_ERR_INPUT_TOO_MANY_PIXELS', 'Input image has %s pixels; the limit is %s', 422),
  IMGFLOW_ERR_INPUT_TOO_LARGE: createError('IMGFLOW_ERR_INPUT_TOO_LARGE', 'Input is larger than the limit of %s bytes', 413),
  IMGFLOW_ERR_OUTPUT_TOO_LARGE: createError('IMGFLOW_ERR_OUTPUT_TOO_LARGE', 'Output of %sx%s exceeds the limit of %s pixels', 422),
  IMGFLOW_ERR_UPSTREAM_STATUS: createError('IMGFLOW_ERR_UPSTREAM_STATUS', 'Fetching input %s failed: HTTP %s', 502),
  IMGFLOW_ERR_UPSTREAM_UNREACHABLE: createError('IMGFLOW_ERR_UPSTREAM_UNREACHABLE', 'Fetching input %s failed: %s', 502),
  IMGFLOW_ERR_UPSTREAM_TIMEOUT: createError('IMGFLOW_ERR_UPSTREAM_TIMEOUT', 'Fetching input %s timed out after %s ms', 504),
  IMGFLOW_ERR_UPSTREAM_REDIRECTS: createError('IMGFLOW_ERR_UPSTREAM_REDIRECTS', 'Fetching input %s failed: more than %s redirects', 502),
  IMGFLOW_ERR_CACHE_KEY_INVALID: createError('IMGFLOW_ERR_CACHE_KEY_INVALID', 'Invalid cache key %s: %s', 400),
  IMGFLOW_ERR_CACHE_STORE: createError('IMGFLOW_ERR_CACHE_STORE', 'Cache store %s failed to %s: %s', 502),
  IMGFLOW_ERR_GRAPH_NOT_FOUND: createError('IMGFLOW_ERR_GRAPH_NOT_FOUND', 'Graph %s not found', 404),
  IMGFLOW_ERR_GRAPH_INVALID: createError('IMGFLOW_ERR_GRAPH_INVALID', 'Graph %s is invalid: %s', 400),
  IMGFLOW_ERR_GRAPH_TOO_LARGE: createError('IMGFLOW_ERR_GRAPH_TOO_LARGE', 'Graph %s has %s nodes; the limit is %s', 413),
  IMGFLOW_ERR_GRAPH_FILE_TOO_LARGE: createError('IMGFLOW_ERR_GRAPH_FILE_TOO_LARGE', 'Graph %s is %s bytes as JSON; the limit is %s', 413),
  IMGFLOW_ERR_COMPONENT_UNKNOWN: createError('IMGFLOW_ERR_COMPONENT_UNKNOWN', 'Node %s uses unknown component %s', 400),
  IMGFLOW_ERR_PROCESSING: createError('IMGFLOW_ERR_PROCESSING', 'Node %s failed: %s', 422),
  IMGFLOW_ERR_PROCESSING_TIMEOUT: createError('IMGFLOW_ERR_PROCESSING_TIMEOUT', 'Processing took longer than %s ms', 503),
  IMGFLOW_ERR_OVERLOADED: createError('IMGFLOW_ERR_OVERLOADED', 'Server is busy: %s evaluations queued; retry later', 429),
  IMGFLOW_ERR_INPUT_BYTES_BUSY: createError('IMGFLOW_ERR_INPUT_BYTES_BUSY', 'Server is busy: %s input bytes are held by requests in progress (limit %s); retry later', 429),
  IMGFLOW_ERR_CLIENT_CLOSED: createError('IMGFLOW_ERR_CLIENT_CLOSED', 'The client closed the connection before the response', 499),
  IMGFLOW_ERR_CONFIG_INVALID: createError('IMGFLOW_ERR_CONFIG_INVALID', 'Invalid configuration: %s', 500),
  IMGFLOW_ERR_NOT_FOUND: createError('IMGFLOW_ERR_NOT_FOUND', 'Route %s not found', 404),
  IMGFLOW_ERR_BAD_REQUEST: createError('IMGFLOW_ERR_BAD_REQUEST', 'Bad request: %s', 400),
  IMGFLOW_ERR_AUTH_UNSIGNED: createError('IMGFLOW_ERR_AUTH_UNSIGNED', 'Unsigned requests are refused: %s (see docs/signing.md)', 403),
  IMGFLOW_ERR_AUTH_KEY_UNKNOWN: createError('IMGFLOW_ERR_AUTH_KEY_UNKNOWN', 'Unknown application key %s', 403),
  IMGFLOW_ERR_AUTH_APP_DISABLED: createError('IMGFLOW_ERR_AUTH_APP_DISABLED', 'Application %s is disabled', 403),
  IMGFLOW_ERR_AUTH_SIGNATURE: createError('IMGFLOW_ERR_AUTH_SIGNATURE', 'Signature does not match this request for key %s', 403),
  IMGFLOW_ERR_AUTH_EXPIRED: createError('IMGFLOW_ERR_AUTH_EXPIRED', 'Signed URL expired at %s', 403),
  IMGFLOW_ERR_AUTH_EXPIRES_INVALID: createError('IMGFLOW_ERR_AUTH_EXPIRES_INVALID', 'Expected one whole number of unix seconds for expires but received %s', 400),
  IMGFLOW_ERR_AUTH_NO_PROCESSING: createError('IMGFLOW_ERR_AUTH_NO_PROCESSING', 'Application %s may only read cached results (quota 0) and this result is not cached', 403),
  IMGFLOW_ERR_QUOTA_EXCEEDED: createError('IMGFLOW_ERR_QUOTA_EXCEEDED', 'Application %s has used its quota of %s evaluations per hour; retry in %s s', 429),
  IMGFLOW_ERR_ADMIN_UNAUTHORIZED: createError('IMGFLOW_ERR_ADMIN_UNAUTHORIZED', 'Admin API: %s', 401),
  IMGFLOW_ERR_ADMIN_FORBIDDEN: createError('IMGFLOW_ERR_ADMIN_FORBIDDEN', 'Admin API: %s', 403),
  IMGFLOW_ERR_APP_INVALID: createError('IMGFLOW_ERR_APP_INVALID', 'Invalid application %s: %s', 400),
  IMGFLOW_ERR_APP_NOT_FOUND: createError('IMGFLOW_ERR_APP_NOT_FOUND', 'Application %s not found', 404),
  IMGFLOW_ERR_APP_EXISTS: createError('IMGFLOW_ERR_APP_EXISTS', 'Application %s already exists', 409),
  IMGFLOW_ERR_QUEUE_UNAVAILABLE: createError('IMGFLOW_ERR_QUEUE_UNAVAILABLE', 'Job queue unavailable (%s); retry later', 503),
  IMGFLOW_ERR_QUEUE_FULL: createError('IMGFLOW_ERR_QUEUE_FULL', 'Job queue %s is full: %s jobs waiting; retry later', 429),
  IMGFLOW_ERR_JOB_NOT_FOUND: createError('IMGFLOW_ERR_JOB_NOT_FOUND', 'Job %s not found (unknown or expired)', 404),
  IMGFLOW_ERR_JOB_STALE: createError('IMGFLOW_ERR_JOB_STALE', 'Graph %s changed since the job was queued; request the image again', 409),
  IMGFLOW_ERR_JOB_RESULT_MISSING: createError('IMGFLOW_ERR_JOB_RESULT_MISSING', 'Job %s succeeded but its result is not in the cache store (web processes and workers must share one)', 502),
  IMGFLOW_ERR_JOB_FAILED: createError('IMGFLOW_ERR_JOB_FAILED', 'Job %s failed: %s', 503),
  IMGFLOW_ERR_CALLBACK_INVALID: createError('IMGFLOW_ERR_CALLBACK_INVALID', 'Callback URL %s is not allowed: %s', 400),
  IMGFLOW_ERR_UPLOAD_NOT_FOUND: createError('IMGFLOW_ERR_UPLOAD_NOT_FOUND', 'Upload %s not found', 404),
  IMGFLOW_ERR_UPLOAD_VARIANT_NOT_FOUND: createError('IMGFLOW_ERR_UPLOAD_VARIANT_NOT_FOUND', 'Upload %s has no variant %s (yet)', 404),
  IMGFLOW_ERR_UPLOAD_SET_UNKNOWN: createError('IMGFLOW_ERR_UPLOAD_SET_UNKNOWN', 'Unknown variant set %s; sets for this app: %s', 400),
  IMGFLOW_ERR_UPLOAD_FORBIDDEN: createError('IMGFLOW_ERR_UPLOAD_FORBIDDEN', 'Upload %s is not owned by application %s', 403),
  IMGFLOW_ERR_UPLOAD_EMPTY: createError('IMGFLOW_ERR_UPLOAD_EMPTY', 'The request has no body: send the image as the body of POST /uploads', 400),
} as const;

export type ErrorCode = keyof typeof errors;

/** Turns anything thrown into an ImgflowError; unknown errors become a 500 (a bug by definition). */
export function toImgflowError(err: unknown): ImgflowError {
  if (err instanceof ImgflowError) return err;
  const e = err as { statusCode?: number; code?: string; message?: string };
  // fastify's own client errors (bad JSON body, body too large...) keep their status.
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new ImgflowError(e.code ?? 'IMGFLOW_ERR_BAD_REQUEST', e.statusCode, e.message ?? 'Bad request', {}, err);
  }
  return new ImgflowError('IMGFLOW_ERR_INTERNAL', 500, 'Internal error', {}, err);
}
