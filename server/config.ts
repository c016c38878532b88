/**
 * The one place that reads process.env. Every setting is declared once below (env name,
 * type, default, limits, description); the README's table is checked against this list in
 * spec/server/config.spec.ts. Bad values stop the server at start with every problem listed.
 */
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { errors } from '../runtime/errors.ts';

type Kind = 'int' | 'number' | 'boolean' | 'string' | 'enum';

interface Setting {
  env: string;
  kind: Kind;
  default: string | number | boolean | undefined;
  description: string;
  min?: number;
  max?: number;
  values?: readonly string[];
}

const MiB = 1024 * 1024;

/** Declared in README order. Units are in the names or the descriptions. */
export const settings = {
  port: { env: 'PORT', kind: 'int', default: 8080, min: 0, max: 65535, description: 'HTTP port' },
  host: { env: 'IMGFLOW_HOST', kind: 'string', default: '0.0.0.0', description: 'Address to listen on' },
  graphsDir: { env: 'IMGFLOW_GRAPHS_DIR', kind: 'string', default: 'graphs', description: 'Directory of graph files (.json, .fbp); also where Flowhub and the admin API save' },
  cacheDir: { env: 'IMGFLOW_CACHE_DIR', kind: 'string', default: '.cache/results', description: 'Directory of the disk result cache' },
  allowPrivateSources: { env: 'IMGFLOW_ALLOW_PRIVATE_SOURCES', kind: 'boolean', default: false, description: 'Let input URLs reach loopback and private addresses (tests, trusted networks only)' },
  fetchTimeoutMs: { env: 'IMGFLOW_FETCH_TIMEOUT_MS', kind: 'int', default: 10000, min: 100, max: 600000, description: 'Total time to fetch an input, redirects included (ms)' },
  maxInputBytes: { env: 'IMGFLOW_MAX_INPUT_BYTES', kind: 'int', default: 25 * MiB, min: 1024, max: 2 ** 31 - 1, description: 'Largest input accepted, fetched or POSTed (bytes)' },
  maxInputPixels: { env: 'IMGFLOW_MAX_INPUT_PIXELS', kind: 'int', default: 50_000_000, min: 1, max: 2 ** 31 - 1, description: 'Largest input width x height (x frames), checked from the header before decoding' },
  maxOutputPixels: { env: 'IMGFLOW_MAX_OUTPUT_PIXELS', kind: 'int', default: 25_000_000, min: 1, max: 2 ** 31 - 1, description: 'Largest width x height a request may ask for' },
  maxRedirects: { env: 'IMGFLOW_MAX_REDIRECTS', kind: 'int', default: 3, min: 0, max: 20, description: 'Redirects followed when fetching an input (each one re-checked)' },
  processingTimeoutMs: { env: 'IMGFLOW_PROCESSING_TIMEOUT_MS', kind: 'int', default: 30000, min: 1000, max: 3600000, description: 'Longest a graph evaluation may run (ms)' },
  concurrency: { env: 'IMGFLOW_CONCURRENCY', kind: 'int', default: Math.max(2, cpus().length), min: 1, max: 1024, description: 'Graph evaluations running at once (default: CPU count, at least 2)' },
  maxQueue: { env: 'IMGFLOW_MAX_QUEUE', kind: 'int', default: 64, min: 0, max: 100000, description: 'Evaluations waiting beyond that; more get 429' },
  maxNodes: { env: 'IMGFLOW_MAX_NODES', kind: 'int', default: 200, min: 1, max: 100000, description: 'Most nodes a graph may have' },
  cacheMaxAgeSeconds: { env: 'IMGFLOW_CACHE_MAX_AGE_SECONDS', kind: 'int', default: 86400, min: 0, max: 31536000, description: 'Cache-Control max-age of processed images (s)' },
  gpu: { env: 'IMGFLOW_GPU', kind: 'enum', default: 'auto', values: ['auto', 'webgpu', 'headlessgl', 'cpu'], description: 'Kernel backend: auto = WebGPU when an adapter is found, else CPU' },
  logLevel: { env: 'IMGFLOW_LOG_LEVEL', kind: 'enum', default: 'info', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], description: 'Log level (JSON logs, one line per request)' },
} as const satisfies Record<string, Setting>;

type SettingValue<S> = S extends { kind: 'int' | 'number' } ? number : S extends { kind: 'boolean' } ? boolean : string;
export type Config = { readonly [K in keyof typeof settings]: SettingValue<(typeof settings)[K]> };

function parse(setting: Setting, raw: string, problems: string[]): unknown {
  const bad = (what: string) => problems.push(`${setting.env}=${JSON.stringify(raw)}: expected ${what}`);
  switch (setting.kind) {
    case 'int':
    case 'number': {
      const n = Number(raw);
      const ok = raw.trim() !== '' && (setting.kind === 'int' ? Number.isInteger(n) : Number.isFinite(n));
      if (!ok || (setting.min !== undefined && n < setting.min) || (setting.max !== undefined && n > setting.max)) {
        bad(`${setting.kind === 'int' ? 'an integer' : 'a number'} between ${setting.min} and ${setting.max}`);
      }
      return n;
    }
    case 'boolean': {
      const s = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
      bad('1/true/yes/on or 0/false/no/off');
      return false;
    }
    case 'enum':
      if (!setting.values!.includes(raw)) bad(`one of ${setting.values!.join(', ')}`);
      return raw;
    case 'string':
      return raw;
  }
}

/**
 * Builds the frozen config from overrides (tests, embedding), then env, then defaults.
 * Never mutates its arguments.
 */
export function loadConfig(overrides: Partial<Config> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(settings) as [keyof Config, Setting][]) {
    if (overrides[key] !== undefined) out[key] = overrides[key];
    else if (env[setting.env] !== undefined) out[key] = parse(setting, env[setting.env]!, problems);
    else out[key] = setting.default;
  }
  if (problems.length) throw errors.IMGFLOW_ERR_CONFIG_INVALID({ problems }, undefined, problems.join('; '));
  out.graphsDir = resolve(out.graphsDir as string);
  out.cacheDir = resolve(out.cacheDir as string);
  return Object.freeze(out) as Config;
}
