/**
 * The few calls of the Fly Machines REST API the fly actuator makes (https://api.machines.dev/v1,
 * request shapes from Fly's "Machines resource" documentation), with a Bearer token. Hand-written
 * on fetch (http-json.ts, shared with the Heroku actuator): Fly publishes no JavaScript client,
 * and five calls do not justify a generated one.
 * 5xx answers, 429 and network failures are retried with a doubling delay (the docs say a create
 * can fail for capacity and is the caller's to retry); 4xx answers are not (a wrong token or a
 * refused config does not get better).
 */
import { NoAnswerError, requestJson, type JsonAnswer } from './http-json.ts';

export interface FlyGuest {
  cpus: number;
  memory_mb: number;
  cpu_kind: string;
}

export interface FlyMachineConfig {
  image: string;
  env?: Record<string, string>;
  guest?: FlyGuest;
  auto_destroy?: boolean;
  restart?: { policy: 'no' | 'on-failure' | 'always' };
  init?: { cmd?: string[] };
  metadata?: Record<string, string>;
}

export interface FlyCreateRequest {
  name?: string;
  region?: string;
  config: FlyMachineConfig;
}

export interface FlyMachine {
  id: string;
  name?: string;
  state: string;
  region?: string;
  instance_id?: string;
  created_at?: string;
  config?: { metadata?: Record<string, string> } & Record<string, unknown>;
}

export interface FlyApiOptions {
  baseUrl: string;
  app: string;
  token: string;
  /** Per request (ms); a wait asks Fly for less than this. */
  timeoutMs?: number;
  /** Tries for a retryable failure, the first included. */
  attempts?: number;
  /** First retry delay (ms), doubled each time. */
  retryDelayMs?: number;
  onRetry?: (info: { method: string; path: string; attempt: number; delayMs: number; error: string }) => void;
}

export class FlyApiError extends Error {
  readonly status: number | undefined;
  readonly method: string;
  readonly path: string;
  readonly detail: string;
  constructor(status: number | undefined, method: string, path: string, detail: string) {
    super(`Fly Machines API ${method} ${path}: ${status ?? 'no answer'}${detail ? ` ${detail}` : ''}`);
    this.status = status;
    this.method = method;
    this.path = path;
    this.detail = detail;
    this.name = 'FlyApiError';
  }

  /** Worth trying again: Fly's side failed or was not reached. */
  get retryable(): boolean {
    return this.status === undefined || this.status === 429 || this.status >= 500;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface FlyApi {
  readonly base: string;
  create(req: FlyCreateRequest): Promise<FlyMachine>;
  /** Resolves when the machine is in `state`; rejects with a 408 FlyApiError when Fly's wait timed out. */
  wait(id: string, state: 'started' | 'stopped' | 'destroyed', timeoutSeconds: number, instanceId?: string): Promise<void>;
  stop(id: string, signal: string, timeoutSeconds: number): Promise<void>;
  /** `force`: stops it first if it runs. A machine already gone counts as destroyed. */
  destroy(id: string): Promise<void>;
  /** Machines whose metadata has every given key=value. */
  list(metadata: Record<string, string>): Promise<FlyMachine[]>;
}

export function createFlyApi(opts: FlyApiOptions): FlyApi {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const app = `/apps/${encodeURIComponent(opts.app)}`;
  const attempts = opts.attempts ?? 4;
  const retryDelayMs = opts.retryDelayMs ?? 500;
  const timeoutMs = opts.timeoutMs ?? 30_000;

  async function once(method: string, path: string, body: unknown, timeout: number): Promise<unknown> {
    let res: JsonAnswer;
    try {
      res = await requestJson({ method, url: `${base}${path}`, token: opts.token, body, timeoutMs: timeout });
    } catch (err) {
      if (!(err instanceof NoAnswerError)) throw err;
      throw new FlyApiError(undefined, method, path, `(${err.message})`);
    }
    if (!res.ok) {
      // Fly's errors are {"error": "..."}.
      const { json } = res;
      const message = typeof (json as { error?: unknown })?.error === 'string' ? (json as { error: string }).error : res.text.slice(0, 200);
      throw new FlyApiError(res.status, method, path, message);
    }
    return res.json;
  }

  async function call(method: string, path: string, body?: unknown, timeout = timeoutMs): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await once(method, path, body, timeout);
      } catch (err) {
        if (!(err instanceof FlyApiError) || !err.retryable || attempt >= attempts) throw err;
        const delayMs = retryDelayMs * 2 ** (attempt - 1);
        opts.onRetry?.({ method, path, attempt, delayMs, error: err.message });
        await sleep(delayMs);
      }
    }
  }

  const machine = (id: string) => `${app}/machines/${encodeURIComponent(id)}`;

  return {
    base,
    async create(req) {
      return await call('POST', `${app}/machines`, req) as FlyMachine;
    },
    async wait(id, state, timeoutSeconds, instanceId) {
      const q = new URLSearchParams({ state, timeout: String(Math.max(1, Math.round(timeoutSeconds))) });
      if (instanceId) q.set('instance_id', instanceId);
      await call('GET', `${machine(id)}/wait?${q}`, undefined, timeoutSeconds * 1000 + timeoutMs);
    },
    async stop(id, signal, timeoutSeconds) {
      await call('POST', `${machine(id)}/stop`, { signal, timeout: `${Math.round(timeoutSeconds)}s` });
    },
    async destroy(id) {
      try {
        await call('DELETE', `${machine(id)}?force=true`);
      } catch (err) {
        if (err instanceof FlyApiError && err.status === 404) return;
        throw err;
      }
    },
    async list(metadata) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(metadata)) q.set(`metadata.${k}`, v);
      const out = await call('GET', `${app}/machines?${q}`);
      return Array.isArray(out) ? out as FlyMachine[] : [];
    },
  };
}
