/**
 * Scales a Heroku process type through the Platform API's formation endpoint:
 * PATCH {base}/apps/{app}/formation/{type} with {"quantity": n}, version 3, a Bearer token.
 * The base URL is configurable (a test points it at a local recording server).
 */
import type { RoleConfig } from '../config.ts';
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
  readonly status: number;
  readonly id: string | undefined;
  constructor(status: number, id: string | undefined, message: string) {
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
    const res = await fetch(url, {
      method,
      headers: {
        accept: ACCEPT,
        authorization: `Bearer ${opts.token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try { json = JSON.parse(text) as Record<string, unknown>; } catch { /* an error page */ }
    if (!res.ok) {
      // Heroku errors carry an id (e.g. "unauthorized", "not_found") and a message.
      const id = typeof json.id === 'string' ? json.id : undefined;
      lastError = `${method} formation/${type}: ${res.status}${id ? ` ${id}` : ''}${typeof json.message === 'string' ? `: ${json.message}` : ''}`;
      throw new HerokuApiError(res.status, id, `Heroku API ${lastError}`);
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
