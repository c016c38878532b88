/**
 * Workers on demand as Fly Machines: one machine per worker the loop asks for, created through
 * the Machines API with the worker command, auto_destroy and restart policy "no" (a worker
 * that exits, by its own --max-lifetime or --exit-when-idle or a crash, takes its machine with
 * it). A machine counts from its creation; it is ready when Fly has started it and its worker
 * has written its heartbeat to Redis (server/jobs/heartbeat.ts), and is destroyed when it is
 * not ready within ready_timeout. Scaling down stops the newest machines with SIGTERM (the
 * worker finishes or hands back its jobs) and destroys them.
 *
 * Every machine carries metadata: imgflow=worker, the queue, the creating process (owner) and
 * the creation time. Every poll reads them back from Fly in one listing for all roles (by the
 * marker), so machines of an earlier autoscaler process are adopted rather than doubled, and
 * machines gone by themselves are noticed. A sweeper destroys any of them older than max_age,
 * whoever made them: the net for machines lost with their autoscaler, or whose worker never
 * stopped.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { FlyConfig, RoleConfig } from '../config.ts';
import type { FlyApi, FlyMachine } from './fly-api.ts';
import { FlyApiError } from './fly-api.ts';
import type { Actuator } from './types.ts';

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface FlyActuatorOptions {
  api: FlyApi;
  app: string;
  settings: FlyConfig;
  /** SIGTERM to SIGKILL when a machine is stopped (s): the workers' shutdown time and a margin. */
  stopTimeoutSeconds: number;
  /** True once worker `machineId` serves the role's queue (its Redis heartbeat). */
  ready(role: RoleConfig, machineId: string): Promise<boolean>;
  log: Logger;
  /** Distinguishes this autoscaler process in the machines' metadata. */
  owner?: string;
  /** How often a booting machine's heartbeat is looked for (ms). */
  readyPollMs?: number;
  now?: () => number;
}

export interface FlyActuator extends Actuator {
  /** Destroys machines past max_age now (also runs every sweep_interval); resolves with their ids. */
  sweep(): Promise<string[]>;
  /** Machines this process tracks, per role. */
  machines(role: string): TrackedMachine[];
  readonly owner: string;
}

export interface TrackedMachine {
  id: string;
  name?: string;
  role: string;
  region?: string;
  createdAt: number;
  phase: 'booting' | 'ready' | 'stopping';
  readyAt?: number;
  /** The machine's version: Fly's wait for `stopped` needs it. */
  instanceId?: string;
}

/** Metadata keys; values are strings (Fly's metadata is string to string). */
export const META = { marker: 'imgflow', queue: 'imgflow_queue', role: 'imgflow_role', owner: 'imgflow_owner', createdAt: 'imgflow_created_at' } as const;
const MARKER = 'worker';
/** Counted: created, booting or running. Stopped and failed ones of ours are destroyed. */
const LIVE = new Set(['created', 'starting', 'started', 'replacing', 'updating']);
const GONE = new Set(['destroying', 'destroyed']);
/** On their way to stopped: not counted, not touched (a worker may be finishing its jobs). */
const STOPPING = new Set(['stopping', 'suspending']);
/** A just-created machine missing from a listing is not taken for gone before this (ms). */
const LIST_GRACE_MS = 15_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createFlyActuator(opts: FlyActuatorOptions): FlyActuator {
  const { api, settings, log } = opts;
  const now = opts.now ?? Date.now;
  const owner = opts.owner ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const tracked = new Map<string, TrackedMachine>();
  const pending = new Set<Promise<unknown>>();
  const counters = { created: 0, ready: 0, destroyed: 0, swept: 0, notReady: 0 };
  let lastError: { at: string; message: string } | undefined;
  /** Whether lastError is a failed listing, which the next good listing clears (a failed sweep or destroy stays shown). */
  let lastErrorIsListing = false;
  let closed = false;
  let sweepTimer: NodeJS.Timeout | undefined;

  /** Destroys and sweeps in flight, awaited by close(); readiness watches are not (they end when closed). */
  const background = (p: Promise<unknown>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  /** For /healthz. A failure thrown to the loop is only remembered: the loop logs it, once. */
  const remember = (err: unknown, listing = false) => {
    lastError = { at: new Date(now()).toISOString(), message: (err as Error).message };
    lastErrorIsListing = listing;
  };
  /** A failure of work of the actuator's own (a destroy, a sweep): nobody else logs it. */
  const failed = (err: unknown, what: string, extra: object = {}) => {
    const e = err as Error;
    remember(e);
    log.warn({ ...extra, err: e.message, ...(e instanceof FlyApiError ? { status: e.status, method: e.method, path: e.path, detail: e.detail } : {}) }, what);
  };
  const ofRole = (role: string) => [...tracked.values()].filter((m) => m.role === role);
  const createdAtOf = (m: FlyMachine) => {
    const t = Date.parse(m.config?.metadata?.[META.createdAt] ?? m.created_at ?? '');
    return Number.isFinite(t) ? t : undefined;
  };

  function command(role: RoleConfig): string[] {
    return [
      ...settings.command, '--queues', role.queue, '--concurrency', String(role.concurrency),
      '--max-lifetime', String(Math.round(settings.maxLifetime)), '--exit-when-idle', String(Math.round(settings.exitWhenIdle)),
    ];
  }

  async function create(role: RoleConfig): Promise<TrackedMachine> {
    const createdAt = now();
    const region = role.fly?.region ?? settings.region;
    const guest = { ...settings.guest, ...Object.fromEntries(Object.entries(role.fly ?? {}).filter(([k]) => k !== 'region')) };
    const machine = await api.create({
      name: `imgflow-${role.queue}-${randomBytes(4).toString('hex')}`,
      ...(region ? { region } : {}),
      config: {
        image: settings.image!,
        env: { ...settings.env },
        guest,
        auto_destroy: true,
        restart: { policy: 'no' },
        init: { cmd: command(role) },
        metadata: { [META.marker]: MARKER, [META.queue]: role.queue, [META.role]: role.name, [META.owner]: owner, [META.createdAt]: new Date(createdAt).toISOString() },
      },
    });
    const m: TrackedMachine = {
      id: machine.id, ...(machine.name ? { name: machine.name } : {}), role: role.name, ...(machine.region ?? region ? { region: machine.region ?? region } : {}),
      createdAt, phase: 'booting', ...(machine.instance_id ? { instanceId: machine.instance_id } : {}),
    };
    tracked.set(m.id, m);
    counters.created++;
    log.info({ role: role.name, queue: role.queue, machine: m.id, name: m.name, region: m.region, guest, image: settings.image }, 'fly machine created');
    void watch(role, m);
    return m;
  }

  /**
   * Waits for Fly to start the machine, then for its worker's heartbeat; destroys it when not
   * ready by `deadline` (ready_timeout after its creation; an adopted machine gets ready_timeout
   * from now, however old it is).
   */
  async function watch(role: RoleConfig, m: TrackedMachine, deadline = m.createdAt + settings.readyTimeout * 1000): Promise<void> {
    const left = () => (deadline - now()) / 1000;
    let why = `not ready within ready_timeout (${settings.readyTimeout} s)`;
    try {
      for (let started = false; !started;) {
        if (closed || m.phase === 'stopping') return;
        if (left() <= 0) throw new Error('not started');
        try {
          await api.wait(m.id, 'started', Math.min(60, Math.max(1, left())), m.instanceId);
          started = true;
        } catch (err) {
          // 408: Fly's wait ran out; ask again while ready_timeout allows.
          if (!(err instanceof FlyApiError && err.status === 408)) throw err;
        }
      }
      while (left() > 0) {
        if (closed || m.phase === 'stopping') return;
        if (await opts.ready(role, m.id).catch(() => false)) {
          if (m.phase !== 'booting') return;
          m.phase = 'ready';
          m.readyAt = now();
          counters.ready++;
          log.info({ role: m.role, machine: m.id, bootSeconds: Math.round((m.readyAt - m.createdAt) / 100) / 10 }, 'fly machine ready');
          return;
        }
        await sleep(opts.readyPollMs ?? 1000);
      }
    } catch (err) {
      if (closed) return;
      why = `did not start: ${(err as Error).message}`;
    }
    if (closed || m.phase === 'stopping') return;
    counters.notReady++;
    log.warn({ role: m.role, machine: m.id, ageSeconds: Math.round((now() - m.createdAt) / 1000), reason: why }, 'fly machine not ready: destroying it');
    m.phase = 'stopping';
    await destroy(m.id, 'not ready');
  }

  async function destroy(id: string, reason: string): Promise<void> {
    try {
      await api.destroy(id);
      counters.destroyed++;
      tracked.delete(id);
      log.info({ machine: id, reason }, 'fly machine destroyed');
    } catch (err) {
      // Left tracked as stopping; the next listing shows whether it went, the sweeper takes it at max_age.
      failed(err, 'fly machine not destroyed', { machine: id, reason });
    }
  }

  /**
   * Scale-down: SIGTERM (the worker finishes or hands back its jobs; Fly kills it after
   * stop_timeout), a wait for `stopped` (of this instance, as Fly's wait requires; asked again
   * while Fly's 60 s wait runs out before stop_timeout), then destroy.
   */
  async function retire(m: TrackedMachine): Promise<void> {
    try {
      await api.stop(m.id, 'SIGTERM', opts.stopTimeoutSeconds);
      const until = now() + (opts.stopTimeoutSeconds + 10) * 1000;
      for (;;) {
        try {
          await api.wait(m.id, 'stopped', Math.min(60, Math.max(1, (until - now()) / 1000)), m.instanceId);
          break;
        } catch (err) {
          if (!(err instanceof FlyApiError && err.status === 408) || now() >= until) throw err;
        }
      }
    } catch (err) {
      // Already gone (its worker left), not stoppable, or not stopped in time: force destroys it either way.
      if (!(err instanceof FlyApiError && err.status === 404)) failed(err, 'fly machine not stopped cleanly: destroying it', { machine: m.id });
    }
    await destroy(m.id, 'scaled down');
  }

  /**
   * Every role's machines from one listing (by the imgflow marker: one call per poll however many
   * roles), folded into what this process tracks.
   */
  async function refresh(roles: RoleConfig[]): Promise<void> {
    let all: FlyMachine[];
    try {
      // Checked here too, not left to Fly's filter: a machine that is not ours is never touched.
      all = (await api.list({ [META.marker]: MARKER })).filter((m) => m.config?.metadata?.[META.marker] === MARKER);
    } catch (err) {
      remember(err, true);
      throw err;
    }
    if (lastErrorIsListing) lastError = undefined; // Fly lists again: /healthz stops showing that failure
    const byQueue = new Map(roles.map((r) => [r.queue, r]));
    const seen = new Set<string>();
    for (const fm of all) {
      // Another queue's machine (a role no longer in the file, another config): the sweeper's, at max_age.
      const role = byQueue.get(fm.config?.metadata?.[META.queue] ?? '');
      if (!role) continue;
      seen.add(fm.id);
      const known = tracked.get(fm.id);
      if (GONE.has(fm.state)) {
        if (known) tracked.delete(fm.id);
        continue;
      }
      if (STOPPING.has(fm.state)) {
        if (known) known.phase = 'stopping';
        continue;
      }
      if (!LIVE.has(fm.state)) {
        // Stopped or failed and still there (no auto_destroy, or it failed to boot): ours to remove.
        if (known?.phase === 'stopping') continue;
        const m = known ?? { id: fm.id, role: role.name, createdAt: createdAtOf(fm) ?? now(), phase: 'stopping' as const };
        m.phase = 'stopping';
        tracked.set(fm.id, m);
        log.info({ role: role.name, machine: fm.id, state: fm.state }, 'fly machine no longer running: destroying it');
        background(destroy(fm.id, `left in state ${fm.state}`));
        continue;
      }
      if (!known) {
        // Made by an earlier autoscaler process (or a concurrent one): counted, watched, scaled like ours.
        const m: TrackedMachine = {
          id: fm.id, ...(fm.name ? { name: fm.name } : {}), role: role.name, ...(fm.region ? { region: fm.region } : {}),
          createdAt: createdAtOf(fm) ?? now(), phase: 'booting', ...(fm.instance_id ? { instanceId: fm.instance_id } : {}),
        };
        tracked.set(m.id, m);
        log.info({ role: role.name, machine: m.id, owner: fm.config?.metadata?.[META.owner], state: fm.state }, 'fly machine adopted');
        void watch(role, m, Math.max(m.createdAt, now()) + settings.readyTimeout * 1000);
      }
    }
    for (const m of tracked.values()) {
      if (!seen.has(m.id) && now() - m.createdAt > LIST_GRACE_MS) {
        tracked.delete(m.id);
        if (m.phase !== 'stopping') log.info({ role: m.role, machine: m.id, ageSeconds: Math.round((now() - m.createdAt) / 1000) }, 'fly machine gone (its worker exited)');
      }
    }
  }

  async function sweep(): Promise<string[]> {
    // Checked here too, not left to Fly's filter: a machine that is not ours is never destroyed.
    const listed = (await api.list({ [META.marker]: MARKER })).filter((m) => m.config?.metadata?.[META.marker] === MARKER);
    const old = listed.filter((fm) => {
      const at = createdAtOf(fm);
      return !GONE.has(fm.state) && at !== undefined && now() - at > settings.maxAge * 1000;
    });
    await Promise.all(old.map(async (fm) => {
      const meta = fm.config?.metadata ?? {};
      const m = tracked.get(fm.id);
      if (m) m.phase = 'stopping';
      counters.swept++;
      log.warn({ machine: fm.id, queue: meta[META.queue], owner: meta[META.owner], abandoned: meta[META.owner] !== owner, state: fm.state, ageSeconds: Math.round((now() - createdAtOf(fm)!) / 1000), maxAgeSeconds: settings.maxAge }, 'fly machine past max_age: destroying it');
      await destroy(fm.id, 'past max_age');
    }));
    return old.map((fm) => fm.id);
  }

  function scheduleSweep(delayMs: number) {
    sweepTimer = setTimeout(() => {
      const run = sweep().catch((err) => failed(err, 'fly sweep failed')).finally(() => { if (!closed) scheduleSweep(settings.sweepInterval * 1000); });
      background(run);
    }, delayMs);
  }
  scheduleSweep(0);

  return {
    kind: 'fly',
    converges: true,
    owner,
    sweep,
    machines: (role) => ofRole(role).map((m) => ({ ...m })),
    async scale(role, workers) {
      const live = ofRole(role.name).filter((m) => m.phase !== 'stopping');
      if (live.length < workers) {
        const made = await Promise.allSettled(Array.from({ length: workers - live.length }, () => create(role)));
        const errs = made.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error);
        if (errs.length) {
          remember(errs[0]);
          // The loop's line for this failure says how many of the creates it stands for.
          throw Object.assign(errs[0], { failed: errs.length, created: made.length - errs.length });
        }
      } else if (live.length > workers) {
        // Booting ones first (they serve nothing yet), then the newest: the oldest have warm caches.
        const order = [...live].sort((a, b) => (a.phase === b.phase ? b.createdAt - a.createdAt : a.phase === 'booting' ? -1 : 1));
        for (const m of order.slice(0, live.length - workers)) {
          m.phase = 'stopping';
          log.info({ role: role.name, machine: m.id, ageSeconds: Math.round((now() - m.createdAt) / 1000) }, 'fly machine stopping (scaled down)');
          background(retire(m));
        }
      }
    },
    refresh,
    /** From this poll's refresh() and what was created or stopped since: no call of its own. */
    async current(role) {
      return ofRole(role.name).filter((m) => m.phase !== 'stopping').length;
    },
    describe() {
      const machines: Record<string, unknown> = Object.create(null);
      for (const m of tracked.values()) {
        const list = (machines[m.role] ??= []) as unknown[];
        list.push({ id: m.id, phase: m.phase, region: m.region, ageSeconds: Math.round((now() - m.createdAt) / 1000) });
      }
      return { app: opts.app, api: api.base, owner, image: settings.image, machines, ...counters, lastError: lastError ?? null };
    },
    async close() {
      // Machines are left running: their workers stop by themselves, a restarted autoscaler adopts them.
      closed = true;
      clearTimeout(sweepTimer);
      await Promise.allSettled([...pending]);
    },
  };
}
