/**
 * autoscale.yaml, in guv's shape: one key per role (a queue and the workers that serve it),
 * with `'*'` holding the autoscaler's own options and defaults for every role. guv's
 * shorthands work (p, d, min, max, w, q). Checked with ajv; every problem names its key.
 */
import { readFile } from 'node:fs/promises';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { QUEUE_NAME } from '../../runtime/work-class.ts';
import { MAX_TIMER_SECONDS } from '../timer-limit.ts';
import type { RoleModel } from './formula.ts';

export type ActuatorKind = 'local' | 'heroku' | 'prometheus' | 'fly';

export interface RoleConfig extends RoleModel {
  /** The role's key in the file. */
  name: string;
  /** BullMQ queue its workers consume (default: the role's name). */
  queue: string;
  /** Process type the actuator scales: Heroku's formation type (default: the role's name). */
  worker: string;
  /** Seconds a new worker takes to start: accepted like guv, shown, not used by the model. */
  boot: number;
  /** fly: this role's machine size and region, over the `'*'.fly` ones. */
  fly?: Partial<FlyGuestConfig> & { region?: string };
}

export interface FlyGuestConfig {
  cpus: number;
  memory_mb: number;
  cpu_kind: string;
}

/** The fly actuator's settings (`'*'.fly` in autoscale.yaml). Times in seconds. */
export interface FlyConfig {
  /** Machines API base URL, /v1 included. */
  baseUrl: string;
  image?: string;
  region?: string;
  guest: FlyGuestConfig;
  /** Environment of the workers beyond the app's secrets (which Fly gives every machine). */
  env: Record<string, string>;
  /** Program and leading arguments in the image; `--queues Q --concurrency N ...` are appended. */
  command: string[];
  /** The sweeper destroys machines of ours older than this, whoever created them. */
  maxAge: number;
  sweepInterval: number;
  /** A machine whose worker has not reported ready this long after its creation is destroyed. */
  readyTimeout: number;
  /** Passed to the workers (--max-lifetime, --exit-when-idle); 0: off. */
  maxLifetime: number;
  exitWhenIdle: number;
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
  /** The Fly app the fly actuator creates machines in (the same `app` key as Heroku's). */
  flyApp?: string;
  fly: FlyConfig;
  roles: RoleConfig[];
}

/** guv's defaults, except minimum 0 is allowed to stop idle workers entirely. */
export const ROLE_DEFAULTS = { processing: 10, deadline: 60, concurrency: 1, percentile: 99, minimum: 1, maximum: 5, boot: 30 } as const;

const SHORTHANDS = { p: 'processing', d: 'deadline', min: 'minimum', max: 'maximum', w: 'worker', q: 'queue' } as const;

const seconds = { type: 'number', exclusiveMinimum: 0 };
const orZero = { type: 'number', minimum: 0 };
// Times that become Node timers (server/timer-limit.ts says why they are capped).
const timerSeconds = { type: 'number', exclusiveMinimum: 0, maximum: MAX_TIMER_SECONDS };
const timerOrZero = { type: 'number', minimum: 0, maximum: MAX_TIMER_SECONDS };
const guestProperties = {
  cpus: { type: 'integer', minimum: 1, maximum: 64 },
  memory_mb: { type: 'integer', minimum: 256, maximum: 262_144, multipleOf: 256 },
  cpu_kind: { enum: ['shared', 'performance'] },
  region: { type: 'string', pattern: '^[a-z]{3}$' },
} as const;
const flySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...guestProperties,
    api: { type: 'string', pattern: '^https?://' },
    image: { type: 'string', minLength: 1 },
    env: { type: 'object', propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$' }, additionalProperties: { type: 'string' } },
    command: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    max_age: timerSeconds,
    sweep_interval: timerSeconds,
    ready_timeout: timerSeconds,
    max_lifetime: timerOrZero,
    exit_when_idle: timerOrZero,
  },
} as const;
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
    fly: { type: 'object', additionalProperties: false, properties: guestProperties },
  },
};
const globalSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...roleProperties,
    actuator: { enum: ['local', 'heroku', 'prometheus', 'fly'] },
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
    fly: flySchema,
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
  // A bad property name comes as two errors: the pattern's, naming it, and propertyNames' own (params.propertyName).
  if (e.keyword === 'propertyNames') e = { ...e, propertyName: e.propertyName ?? (e.params as { propertyName?: string }).propertyName };
  if (e.propertyName !== undefined && path.length > 0) return `${[...path, e.propertyName].join('.')}: not an environment variable name (A-Z a-z 0-9 _, not starting with a digit)`;
  if (e.keyword === 'propertyNames' || (e.keyword === 'pattern' && e.propertyName !== undefined)) return `${JSON.stringify(e.propertyName ?? '')}: a role name is 1-64 of A-Z a-z 0-9 _ -`;
  if (e.keyword === 'enum') return `${path.join('.')}: must be one of ${(e.params.allowedValues as string[]).join(', ')}`;
  return `${path.join('.') || '(file)'}: ${e.message}`;
}

export class AutoscaleConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[], file?: string) {
    super(`${file ? `${file}: ` : ''}${problems.join('; ')}`);
    this.problems = problems;
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
  if (!validate(doc)) throw new AutoscaleConfigError([...new Set((validate.errors ?? []).map(describe))], file);
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
      ...(own.fly ? { fly: own.fly as RoleConfig['fly'] } : {}),
    };
    if (role.minimum > role.maximum) problems.push(`${name}.minimum: ${role.minimum} is above maximum ${role.maximum}`);
    roles.push(role);
  }
  if (roles.length === 0) problems.push('(file): no role: add one key per queue to scale, e.g. deepdream: {deadline: 300}');
  const actuator = (global.actuator ?? 'local') as ActuatorKind;
  if (actuator === 'heroku' && global.app === undefined) problems.push('*.app: the heroku actuator needs the Heroku app name');
  const fly = flyConfig((global.fly ?? {}) as Raw);
  const stopTimeout = (global.stop_timeout ?? 60) as number;
  if (actuator === 'fly') {
    if (global.app === undefined) problems.push('*.app: the fly actuator needs the Fly app name its machines are created in');
    if (fly.image === undefined) problems.push('*.fly.image: the fly actuator needs the image its workers run (e.g. registry.fly.io/<app>:<tag>)');
    // A worker's lifetime counts from when it is ready (up to ready_timeout after its machine was
    // made), and then it takes up to stop_timeout to finish its jobs: the sweeper must not take a
    // healthy machine before its worker could leave by itself.
    const longest = fly.readyTimeout + fly.maxLifetime + stopTimeout;
    if (fly.maxLifetime > 0 && longest >= fly.maxAge) {
      problems.push(`*.fly.max_lifetime: ready_timeout ${fly.readyTimeout} + max_lifetime ${fly.maxLifetime} + stop_timeout ${stopTimeout} = ${longest} s, the longest a healthy machine lives, must be below max_age ${fly.maxAge} (workers stop by themselves; the sweeper is for the lost ones)`);
    }
    if (fly.exitWhenIdle > 0 && roles.some((r) => r.minimum > 0)) problems.push(`*.fly.exit_when_idle: workers of a role with minimum > 0 (${roles.filter((r) => r.minimum > 0).map((r) => r.name).join(', ')}) would leave when idle and be made again: set minimum 0 or exit_when_idle 0`);
  }
  if (problems.length) throw new AutoscaleConfigError(problems, file);
  return {
    actuator,
    pollSeconds: (global.pollinterval ?? 30) as number,
    historySeconds: (global.history ?? 120) as number,
    samples: (global.samples ?? 20) as number,
    host: (global.host ?? '0.0.0.0') as string,
    port: (global.port ?? 9465) as number,
    ...(global.command ? { command: global.command as string[] } : {}),
    stopTimeoutSeconds: stopTimeout,
    restartDelaySeconds: (global.restart_delay ?? 1) as number,
    heroku: { ...(global.app ? { app: global.app as string } : {}), baseUrl: (global.heroku_api ?? 'https://api.heroku.com') as string },
    ...(global.app ? { flyApp: global.app as string } : {}),
    fly,
    roles,
  };
}

/** The image's own worker command (the Dockerfile's layout and the Procfile's worker line). */
export const FLY_DEFAULT_COMMAND = ['node', '--initial-old-space-size=128', 'dist/bin/cli.js', 'worker'];

function flyConfig(raw: Raw): FlyConfig {
  return {
    baseUrl: (raw.api ?? 'https://api.machines.dev/v1') as string,
    ...(raw.image !== undefined ? { image: raw.image as string } : {}),
    ...(raw.region !== undefined ? { region: raw.region as string } : {}),
    guest: { cpus: (raw.cpus ?? 1) as number, memory_mb: (raw.memory_mb ?? 1024) as number, cpu_kind: (raw.cpu_kind ?? 'shared') as string },
    env: (raw.env ?? {}) as Record<string, string>,
    command: (raw.command ?? FLY_DEFAULT_COMMAND) as string[],
    maxAge: (raw.max_age ?? 3600) as number,
    sweepInterval: (raw.sweep_interval ?? 60) as number,
    readyTimeout: (raw.ready_timeout ?? 300) as number,
    maxLifetime: (raw.max_lifetime ?? 3000) as number,
    exitWhenIdle: (raw.exit_when_idle ?? 0) as number,
  };
}

export async function loadAutoscaleConfig(file: string): Promise<AutoscaleConfig> {
  return parseAutoscaleConfig(await readFile(file, 'utf8'), file);
}
