/**
 * Scales a Heroku process type through the Platform API's formation endpoint:
 * PATCH {base}/apps/{app}/formation/{type} with {"quantity": n}, version 3, a Bearer token.
 * The base URL is configurable (a test points it at a local recording server).
 */
import type { RoleConfig } from '../config.ts';
import { NoAnswerError, requestJson, type JsonAnswer } from './http-json.ts';
import type { Actuator } from './types.ts';

export interface HerokuOptions {
  app: string;
  token: string;
  baseUrl?: string;
  /** Per request (ms). */
  timeoutMs?: number;
}

const ACCEPT = 'application/vnd.heroku+json; version=3';

export class HerokuApiError extends Error {
  /** Undefined when Heroku did not answer at all. */
  readonly status: number | undefined;
  readonly id: string | undefined;
  constructor(status: number | undefined, id: string | undefined, message: string) {
    super(message);
    this.status = status;
    this.id = id;
    this.name = 'HerokuApiError';
  }
}

export function createHerokuActuator(opts: HerokuOptions): Actuator {
  const base = (opts.baseUrl ?? 'https://api.heroku.com').replace(/\/+$/, '');
  const quantities = new Map<string, number>();
  let lastError: string | undefined;

  async function call(method: 'GET' | 'PATCH', type: string, body?: unknown): Promise<{ quantity?: number }> {
    const url = `${base}/apps/${encodeURIComponent(opts.app)}/formation/${encodeURIComponent(type)}`;
    const fail = (status: number | undefined, id: string | undefined, what: string) => {
      lastError = `${method} formation/${type}: ${what}`;
      return new HerokuApiError(status, id, `Heroku API ${lastError}`);
    };
    let res: JsonAnswer;
    try {
      res = await requestJson({ method, url, token: opts.token, accept: ACCEPT, body, timeoutMs: opts.timeoutMs ?? 10_000 });
    } catch (err) {
      if (!(err instanceof NoAnswerError)) throw err;
      throw fail(undefined, undefined, `no answer (${err.message})`);
    }
    const json = (res.json !== null && typeof res.json === 'object' ? res.json : {}) as Record<string, unknown>;
    if (!res.ok) {
      // Heroku errors carry an id (e.g. "unauthorized", "not_found") and a message.
      const id = typeof json.id === 'string' ? json.id : undefined;
      throw fail(res.status, id, `${res.status}${id ? ` ${id}` : ''}${typeof json.message === 'string' ? `: ${json.message}` : ''}`);
    }
    lastError = undefined;
    return json as { quantity?: number };
  }

  return {
    kind: 'heroku',
    converges: true,
    async scale(role, workers) {
      const res = await call('PATCH', role.worker, { quantity: workers });
      quantities.set(role.worker, typeof res.quantity === 'number' ? res.quantity : workers);
    },
    async current(role: RoleConfig) {
      const res = await call('GET', role.worker);
      if (typeof res.quantity !== 'number') return undefined;
      quantities.set(role.worker, res.quantity);
      return res.quantity;
    },
    describe() {
      return { app: opts.app, api: base, formation: Object.fromEntries(quantities), lastError: lastError ?? null };
    },
    async close() {},
  };
}
