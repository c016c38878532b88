/**
 * The autoscaler: every poll interval, per role, observe the queue, size it with guv's model
 * (measured processing time once jobs have completed, the configured one before), hold the
 * size through the scale-down window, and hand the result to the actuator. Every decision is
 * logged with the inputs it was made from.
 */
import type { Actuator } from './actuators/types.ts';
import type { AutoscaleConfig, RoleConfig } from './config.ts';
import { estimateWorkers, ScaleDownWindow } from './formula.ts';
import type { QueueObserver } from './observe.ts';

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface RoleStatus {
  role: string;
  queue: string;
  waiting: number;
  active: number;
  /** Worker connections BullMQ sees on the queue. */
  consumers: number;
  /** Processing time the decision used (s), and where it came from. */
  processing: { mean: number; stddev?: number; samples: number; source: 'measured' | 'configured' };
  deadline: number;
  concurrency: number;
  /** guv's estimate for this poll, clamped. */
  estimate: number;
  /** Workers asked of the actuator: the highest estimate of the window. */
  desired: number;
  /** Workers the actuator reports (undefined: it cannot tell). */
  current?: number;
  problem?: string;
  at: number;
  error?: string;
}

export interface Autoscaler {
  /** One poll of every role; resolves with their statuses. */
  tick(): Promise<RoleStatus[]>;
  start(): void;
  /** Stops polling (the actuator is closed by its owner). */
  stop(): Promise<void>;
  status(): { roles: RoleStatus[]; polls: number; lastPollAt?: number };
}

export interface AutoscalerDeps {
  config: AutoscaleConfig;
  observer: QueueObserver;
  actuator: Actuator;
  log: Logger;
  now?: () => number;
}

export function createAutoscaler(deps: AutoscalerDeps): Autoscaler {
  const { config, observer, actuator, log } = deps;
  const now = deps.now ?? Date.now;
  const windows = new Map(config.roles.map((r) => [r.name, new ScaleDownWindow(config.historySeconds * 1000)]));
  const statuses = new Map<string, RoleStatus>();
  const applied = new Map<string, number>();
  let polls = 0;
  let lastPollAt: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  async function decide(role: RoleConfig): Promise<RoleStatus> {
    const at = now();
    const seen = await observer.observe(role.queue);
    const measured = seen.processing;
    const processing = measured
      ? { mean: measured.mean, ...(measured.stddev !== undefined ? { stddev: measured.stddev } : {}), samples: measured.samples, source: 'measured' as const }
      : { mean: role.processing, ...(role.stddev !== undefined ? { stddev: role.stddev } : {}), samples: 0, source: 'configured' as const };
    const jobs = seen.waiting + seen.active;
    const e = estimateWorkers(jobs, { ...role, processing: processing.mean, stddev: processing.stddev });
    const desired = windows.get(role.name)!.decide(at, e.workers);
    const before = await actuator.current(role);
    const previous = applied.get(role.name);
    const changed = previous !== desired || (actuator.converges && before !== undefined && before !== desired);
    if (changed) {
      await actuator.scale(role, desired);
      applied.set(role.name, desired);
    }
    const current = changed ? await actuator.current(role) : before;
    const status: RoleStatus = {
      role: role.name, queue: role.queue, waiting: seen.waiting, active: seen.active, consumers: seen.consumers,
      processing, deadline: role.deadline, concurrency: role.concurrency, estimate: e.workers, desired,
      ...(current !== undefined ? { current } : {}), ...(e.problem ? { problem: e.problem } : {}), at,
    };
    const inputs = { ...status, jobs, target: Math.round(e.target * 100) / 100, unclamped: e.unclamped, minimum: role.minimum, maximum: role.maximum, percentile: role.percentile, windowSeconds: config.historySeconds, before };
    if (changed) log.info(inputs, `autoscale ${role.name}: ${previous ?? before ?? '?'} -> ${desired} workers`);
    else log.debug(inputs, `autoscale ${role.name}: ${desired} workers`);
    if (e.problem) log.warn({ role: role.name, problem: e.problem }, 'autoscale: deadline too short');
    return status;
  }

  /** Keeps the role's last decision (workers keep running) and says why this poll did not decide. */
  function failed(role: RoleConfig, err: unknown): RoleStatus {
    const s = { ...(statuses.get(role.name) ?? emptyStatus(role)), error: (err as Error).message, at: now() };
    statuses.set(role.name, s);
    return s;
  }

  async function tick(): Promise<RoleStatus[]> {
    let out: RoleStatus[];
    try {
      await actuator.refresh?.(config.roles);
      out = await Promise.all(config.roles.map(async (role) => {
        try {
          const s = await decide(role);
          statuses.set(role.name, s);
          return s;
        } catch (err) {
          log.warn({ role: role.name, ...errorFields(err) }, 'autoscale: poll failed, workers left as they are');
          return failed(role, err);
        }
      }));
    } catch (err) {
      // The actuator's one look for all roles failed: one event, one line, every role keeps its workers.
      log.warn({ roles: config.roles.map((r) => r.name), ...errorFields(err) }, 'autoscale: poll failed, workers left as they are');
      out = config.roles.map((role) => failed(role, err));
    }
    polls++;
    lastPollAt = now();
    return out;
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(schedule);
    }, config.pollSeconds * 1000);
  }

  return {
    tick,
    start() {
      stopped = false;
      running = tick().finally(schedule);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => {});
    },
    status: () => ({ roles: config.roles.map((r) => statuses.get(r.name) ?? emptyStatus(r)), polls, ...(lastPollAt ? { lastPollAt } : {}) }),
  };
}

/**
 * A failure's fields for its one log line: the message and, for an API's error, its own fields
 * (status, method, path, the API's answer), so that the actuator need not log it a second time.
 */
export function errorFields(err: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (err !== null && typeof err === 'object') {
    for (const [k, v] of Object.entries(err)) if (k !== 'name' && ['string', 'number', 'boolean'].includes(typeof v)) out[k] = v;
  }
  out.err = err instanceof Error ? err.message : String(err);
  return out;
}

function emptyStatus(role: RoleConfig): RoleStatus {
  return {
    role: role.name, queue: role.queue, waiting: 0, active: 0, consumers: 0,
    processing: { mean: role.processing, ...(role.stddev !== undefined ? { stddev: role.stddev } : {}), samples: 0, source: 'configured' },
    deadline: role.deadline, concurrency: role.concurrency, estimate: 0, desired: 0, at: 0,
  };
}
