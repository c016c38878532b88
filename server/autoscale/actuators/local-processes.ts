/**
 * Runs workers as child processes of the autoscaler (one machine, or a Procfile's `autoscale:`
 * line standing in for a scheduler): `imgflow worker --queues Q --concurrency N`, as many per
 * role as decided. Stopping sends SIGTERM, so a worker finishes or hands back its jobs (its
 * IMGFLOW_WORKER_SHUTDOWN_SECONDS), and SIGKILL only after `stopTimeoutMs`. A worker that exits
 * on its own is replaced, after a delay that doubles while it keeps crashing early.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { RoleConfig } from '../config.ts';
import type { Actuator } from './types.ts';

/** `imgflow worker` through the package's own launcher (it registers the TypeScript loader). */
export const DEFAULT_WORKER_COMMAND = [process.execPath, fileURLToPath(new URL('../../../bin/imgflow.js', import.meta.url)), 'worker'];

/** A crash within this long of the start counts as crashing early (the restart delay doubles). */
const EARLY_CRASH_MS = 10_000;
const MAX_RESTART_DELAY_MS = 60_000;

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface LocalProcessOptions {
  /** Program and leading arguments; `--queues Q --concurrency N` are appended. */
  command?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  stdio?: 'inherit' | 'ignore' | 'pipe';
  stopTimeoutMs: number;
  restartDelayMs: number;
  log: Logger;
}

export interface WorkerExit {
  role: string;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the actuator had asked it to stop. */
  stopped: boolean;
}

/** Events: 'spawn' ({role, pid, child}), 'exit' (WorkerExit). */
export interface LocalProcessActuator extends Actuator {
  readonly events: EventEmitter;
  /** Pids of the running (not stopping) workers of a role. */
  pids(role: string): number[];
}

interface Proc {
  child: ChildProcess;
  startedAt: number;
  stopping: boolean;
  exited: Promise<void>;
}

interface RoleState {
  role: RoleConfig;
  desired: number;
  procs: Proc[];
  restarts: number;
  earlyCrashes: number;
  restartTimer?: NodeJS.Timeout;
}

export function createLocalProcessActuator(opts: LocalProcessOptions): LocalProcessActuator {
  const command = opts.command ?? DEFAULT_WORKER_COMMAND;
  const roles = new Map<string, RoleState>();
  const events = new EventEmitter();
  let closing = false;

  const live = (s: RoleState) => s.procs.filter((p) => !p.stopping);

  function start(s: RoleState): void {
    const args = [...command.slice(1), '--queues', s.role.queue, '--concurrency', String(s.role.concurrency)];
    // Several workers share this machine: each takes a free metrics port rather than the default.
    const child = spawn(command[0], args, { cwd: opts.cwd, env: { ...process.env, ...opts.env, IMGFLOW_WORKER_METRICS_PORT: '0' }, stdio: opts.stdio ?? 'inherit' });
    const proc: Proc = { child, startedAt: Date.now(), stopping: false, exited: Promise.resolve() };
    proc.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        s.procs = s.procs.filter((p) => p !== proc);
        const exit: WorkerExit = { role: s.role.name, pid: child.pid ?? -1, code, signal, stopped: proc.stopping };
        events.emit('exit', exit);
        if (proc.stopping || closing) opts.log.info({ ...exit }, 'worker stopped');
        else crashed(s, proc, exit);
        resolve();
      });
    });
    child.once('error', (err) => opts.log.warn({ role: s.role.name, err: err.message }, 'worker could not be started'));
    s.procs.push(proc);
    opts.log.info({ role: s.role.name, queue: s.role.queue, pid: child.pid, command: [command[0], ...args].join(' ') }, 'worker started');
    events.emit('spawn', { role: s.role.name, pid: child.pid, child });
  }

  function crashed(s: RoleState, proc: Proc, exit: WorkerExit): void {
    s.earlyCrashes = Date.now() - proc.startedAt < EARLY_CRASH_MS ? s.earlyCrashes + 1 : 0;
    const delay = Math.min(MAX_RESTART_DELAY_MS, opts.restartDelayMs * 2 ** Math.max(0, s.earlyCrashes - 1));
    opts.log.warn({ ...exit, restartInMs: delay }, 'worker exited on its own: replacing it');
    s.restarts++;
    clearTimeout(s.restartTimer);
    s.restartTimer = setTimeout(() => { s.restartTimer = undefined; reconcile(s); }, delay);
  }

  function stop(proc: Proc): void {
    proc.stopping = true;
    proc.child.kill('SIGTERM');
    const killer = setTimeout(() => proc.child.kill('SIGKILL'), opts.stopTimeoutMs);
    void proc.exited.then(() => clearTimeout(killer));
  }

  function reconcile(s: RoleState): void {
    if (closing) return;
    const running = live(s);
    // While a replacement is pending, do not start one early (a crash loop would spin).
    if (!s.restartTimer) for (let n = running.length; n < s.desired; n++) start(s);
    // Newest first: the longest-running ones have warm caches.
    for (const proc of running.slice(s.desired).reverse()) stop(proc);
  }

  const stateOf = (role: RoleConfig) => {
    let s = roles.get(role.name);
    if (!s) {
      s = { role, desired: 0, procs: [], restarts: 0, earlyCrashes: 0 };
      roles.set(role.name, s);
    }
    return s;
  };

  return {
    kind: 'local',
    converges: true,
    events,
    async scale(role, workers) {
      const s = stateOf(role);
      s.desired = workers;
      reconcile(s);
    },
    async current(role) {
      return live(stateOf(role)).length;
    },
    pids(role) {
      const s = roles.get(role);
      return s ? live(s).map((p) => p.child.pid!) : [];
    },
    describe() {
      const out: Record<string, unknown> = Object.create(null);
      for (const [name, s] of roles) {
        out[name] = { desired: s.desired, running: live(s).map((p) => p.child.pid), stopping: s.procs.filter((p) => p.stopping).map((p) => p.child.pid), restarts: s.restarts };
      }
      return { processes: out };
    },
    async close() {
      closing = true;
      const all: Promise<void>[] = [];
      for (const s of roles.values()) {
        clearTimeout(s.restartTimer);
        for (const p of s.procs) {
          if (!p.stopping) stop(p);
          all.push(p.exited);
        }
      }
      await Promise.all(all);
    },
  };
}
