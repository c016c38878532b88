/**
 * One JSON request to a platform's REST API (Fly's Machines API, Heroku's Platform API), the part
 * both actuators need alike: Bearer token, JSON body, a per-request timeout, the answer's body
 * parsed when it is JSON (an error page from a proxy is not). What a refused answer means, and
 * whether to try again, stays with each API's client: they word their errors differently.
 */

export interface JsonRequest {
  method: string;
  url: string;
  token: string;
  /** Heroku wants its versioned media type; JSON otherwise. */
  accept?: string;
  body?: unknown;
  timeoutMs: number;
}

export interface JsonAnswer {
  status: number;
  ok: boolean;
  /** The body parsed, or undefined when it is empty or not JSON. */
  json: unknown;
  text: string;
}

/** The request got no (whole) answer: refused, reset, unresolved, or past its timeout. */
export class NoAnswerError extends Error {
  /** The cause's code (ECONNREFUSED, ENOTFOUND...) or TimeoutError. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.code = code;
    this.name = 'NoAnswerError';
  }
}

export async function requestJson(req: JsonRequest): Promise<JsonAnswer> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(req.url, {
      method: req.method,
      headers: {
        authorization: `Bearer ${req.token}`,
        accept: req.accept ?? 'application/json',
        ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    // Inside the try: a body cut off by a reset or the timeout is no answer either.
    text = await res.text();
  } catch (err) {
    // fetch says only "fetch failed"; what happened is in its cause.
    const e = err as Error & { cause?: { code?: string } };
    throw new NoAnswerError(e.cause?.code ?? e.name, e.message);
  }
  let json: unknown;
  try { json = text ? JSON.parse(text) : undefined; } catch { /* an error page */ }
  return { status: res.status, ok: res.ok, json, text };
}
