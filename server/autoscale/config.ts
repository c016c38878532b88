/**
 * autoscale.yaml, in guv's shape: one key per role (a queue and the workers that serve it),
 * with `'*'` holding the autoscaler's own options and defaults for every role. guv's
 * shorthands work (p, d, min, max, w, q). Checked with ajv; every problem names its key.
 */
import { readFile } from 'node:fs/promises';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { QUEUE_NAME } from '../../runtime/work-class.ts';
import type { RoleModel } from './formula.ts';

export type ActuatorKind = 'local' | 'heroku' | 'prometheus';

export interface RoleConfig extends RoleModel {
  /** The role's key in the file. */
  name: string;
  /** BullMQ queue its workers consume (default: the role's name). */
  queue: string;
  /** Process type the actuator scales: Heroku's formation type (default: the role's name). */
  worker: string;
  /** Seconds a new worker takes to start: accepted like guv, shown, not used by the model. */
  boot: number;
}

export interface AutoscaleConfig {
  actuator: ActuatorKind;
  /** Seconds between two looks at the queues. */
  pollSeconds: number;
  /** Scale-down window (s): never fewer workers than the highest estimate within it. */
  historySeconds: number;
  /** Completed jobs read per queue to measure the processing time. */
  samples: number;
  /** /healthz and /metrics of the autoscaler. */
  host: string;
  port: number;
  /** local: the command that starts a worker, before `--queues Q --concurrency N`. */
  command?: string[];
  /** local: a worker still running this long after SIGTERM is killed (s). */
  stopTimeoutSeconds: number;
  /** local: first delay before replacing a crashed worker, doubled while it keeps crashing (s). */
  restartDelaySeconds: number;
  heroku: { app?: string; baseUrl: string };
  roles: RoleConfig[];
}

/** guv's defaults, except minimum 0 is allowed to stop idle workers entirely. */
export const ROLE_DEFAULTS = { processing: 10, deadline: 60, concurrency: 1, percentile: 99, minimum: 1, maximum: 5, boot: 30 } as const;

const SHORTHANDS = { p: 'processing', d: 'deadline', min: 'minimum', max: 'maximum', w: 'worker', q: 'queue' } as const;

const seconds = { type: 'number', exclusiveMinimum: 0 };
const count = { type: 'integer', minimum: 0, maximum: 10_000 };
const roleProperties = {
  processing: seconds, p: seconds,
  stddev: { type: 'number', minimum: 0 },
  deadline: seconds, d: seconds,
  concurrency: { type: 'integer', minimum: 1, maximum: 1024 },
  percentile: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 100 },
  minimum: count, min: count,
  maximum: count, max: count,
  boot: { type: 'number', minimum: 0 },
} as const;
const roleSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...roleProperties,
    queue: { type: 'string', pattern: QUEUE_NAME.source }, q: { type: 'string', pattern: QUEUE_NAME.source },
    worker: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' }, w: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
  },
};
const globalSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...roleProperties,
    actuator: { enum: ['local', 'heroku', 'prometheus'] },
    pollinterval: seconds,
    history: { type: 'number', minimum: 0 },
    samples: { type: 'integer', minimum: 1, maximum: 1000 },
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    command: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    stop_timeout: { type: 'number', minimum: 0 },
    restart_delay: { type: 'number', minimum: 0 },
    app: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{1,63}$' },
    heroku_api: { type: 'string', pattern: '^https?://' },
  },
};
const fileSchema = {
  type: 'object',
  properties: { '*': globalSchema },
  propertyNames: { pattern: `^(\\*|[A-Za-z0-9_-]{1,64})$` },
  additionalProperties: roleSchema,
};

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(fileSchema);

/** `deepdream.deadline: must be > 0`: the key first, in the file's own spelling. */
function describe(e: ErrorObject): string {
  const path = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'additionalProperties') return `${[...path, e.params.additionalProperty].join('.')}: unknown key`;
  if (e.keyword === 'propertyNames' || (e.keyword === 'pattern' && e.propertyName !== undefined)) return `${JSON.stringify(e.propertyName ?? '')}: a role name is 1-64 of A-Z a-z 0-9 _ -`;
  if (e.keyword === 'enum') return `${path.join('.')}: must be one of ${(e.params.allowedValues as string[]).join(', ')}`;
  return `${path.join('.') || '(file)'}: ${e.message}`;
}

export class AutoscaleConfigError extends Error {
  constructor(readonly problems: string[], file?: string) {
    super(`${file ? `${file}: ` : ''}${problems.join('; ')}`);
    this.name = 'AutoscaleConfigError';
  }
}

type Raw = Record<string, unknown>;

/** Role fields with guv's shorthands spelled out; giving both spellings is a problem. */
function expand(raw: Raw, where: string, problems: string[]): Raw {
  const out: Raw = Object.create(null);
  for (const [key, value] of Object.entries(raw)) {
    const long = (SHORTHANDS as Record<string, string>)[key] ?? key;
    if (long !== key && raw[long] !== undefined) problems.push(`${where}.${key}: give ${long} or ${key}, not both`);
    out[long] = value;
  }
  return out;
}

export function parseAutoscaleConfig(text: string, file?: string): AutoscaleConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new AutoscaleConfigError([`not YAML: ${(err as Error).message.split('\n')[0]}`], file);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new AutoscaleConfigError(['(file): must be a mapping of role names to settings'], file);
  if (!validate(doc)) throw new AutoscaleConfigError((validate.errors ?? []).map(describe), file);
  const problems: string[] = [];
  const raw = doc as Raw;
  const global = expand((raw['*'] ?? {}) as Raw, '*', problems);
  const roles: RoleConfig[] = [];
  const queues = new Map<string, string>();
  for (const [name, value] of Object.entries(raw)) {
    if (name === '*') continue;
    const own = expand((value ?? {}) as Raw, name, problems);
    const pick = <K extends keyof typeof ROLE_DEFAULTS>(k: K): number => (own[k] ?? global[k] ?? ROLE_DEFAULTS[k]) as number;
    const queue = (own.queue as string | undefined) ?? name;
    if (!QUEUE_NAME.test(queue)) problems.push(`${name}: the queue name ${JSON.stringify(queue)} is not 1-32 of a-z 0-9 - (set queue:)`);
    if (queues.has(queue)) problems.push(`${name}.queue: ${queue} is already scaled by ${queues.get(queue)}`);
    queues.set(queue, name);
    const stddev = (own.stddev ?? global.stddev) as number | undefined;
    const role: RoleConfig = {
      name, queue,
      worker: (own.worker as string | undefined) ?? name,
      processing: pick('processing'),
      ...(stddev !== undefined ? { stddev } : {}),
      deadline: pick('deadline'),
      concurrency: pick('concurrency'),
      percentile: pick('percentile'),
      minimum: pick('minimum'),
      maximum: pick('maximum'),
      boot: pick('boot'),
    };
    if (role.minimum > role.maximum) problems.push(`${name}.minimum: ${role.minimum} is above maximum ${role.maximum}`);
    roles.push(role);
  }
  if (roles.length === 0) problems.push('(file): no role: add one key per queue to scale, e.g. deepdream: {deadline: 300}');
  const actuator = (global.actuator ?? 'local') as ActuatorKind;
  if (actuator === 'heroku' && global.app === undefined) problems.push('*.app: the heroku actuator needs the Heroku app name');
  if (problems.length) throw new AutoscaleConfigError(problems, file);
  return {
    actuator,
    pollSeconds: (global.pollinterval ?? 30) as number,
    historySeconds: (global.history ?? 120) as number,
    samples: (global.samples ?? 20) as number,
    host: (global.host ?? '0.0.0.0') as string,
    port: (global.port ?? 9465) as number,
    ...(global.command ? { command: global.command as string[] } : {}),
    stopTimeoutSeconds: (global.stop_timeout ?? 60) as number,
    restartDelaySeconds: (global.restart_delay ?? 1) as number,
    heroku: { ...(global.app ? { app: global.app as string } : {}), baseUrl: (global.heroku_api ?? 'https://api.heroku.com') as string },
    roles,
  };
}

export async function loadAutoscaleConfig(file: string): Promise<AutoscaleConfig> {
  return parseAutoscaleConfig(await readFile(file, 'utf8'), file);
}
