/**
 * A worker's "ready" heartbeat in Redis: `<prefix>:worker:<id>` holds what the worker serves,
 * written once it consumes its queues and renewed every IMGFLOW_WORKER_HEARTBEAT_SECONDS, kept
 * three intervals (a worker that dies stops counting as ready on its own). The autoscaler's fly
 * actuator reads it: the machine it created is ready when the worker in it says so. Redis,
 * rather than the worker's /healthz, because the autoscaler need not reach the machines'
 * network; both already share the Redis the jobs go through.
 */
import { hostname } from 'node:os';

/** The Redis commands used (BullMQ's ioredis client has them). */
export interface HeartbeatCommands {
  set(key: string, value: string, px: 'PX', ms: number): Promise<unknown>;
  get(key: string): Promise<string | null>;
  del(...keys: string[]): Promise<number>;
}

export interface Heartbeat {
  id: string;
  queues: string[];
  pid: number;
  startedAt: number;
  at: number;
}

export const heartbeatKey = (prefix: string, id: string) => `${prefix}:worker:${id}`;

/**
 * The worker's id: the Fly Machine's id when it runs on one (FLY_MACHINE_ID, set by Fly in
 * every Machine), so the actuator finds the heartbeat of the machine it created.
 */
export function workerIdOf(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLY_MACHINE_ID || `${hostname()}-${process.pid}`;
}

export async function readHeartbeat(client: HeartbeatCommands, prefix: string, id: string): Promise<Heartbeat | undefined> {
  const raw = await client.get(heartbeatKey(prefix, id));
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as Heartbeat;
  } catch {
    return undefined;
  }
}

export interface HeartbeatWriter {
  /** Stops renewing and removes the key (the worker is stopping: no longer ready). */
  stop(): Promise<void>;
}

/**
 * Resolves once the first heartbeat is written, failed (tried again at the next interval) or
 * took longer than `firstWriteTimeoutMs` (Redis away at start does not hold the worker up).
 */
export async function startHeartbeat(client: () => Promise<HeartbeatCommands>, prefix: string, beat: Omit<Heartbeat, 'at'>, intervalSeconds: number, onError: (err: Error) => void, firstWriteTimeoutMs = 5000): Promise<HeartbeatWriter> {
  const key = heartbeatKey(prefix, beat.id);
  const write = async () => {
    try {
      await (await client()).set(key, JSON.stringify({ ...beat, at: Date.now() }), 'PX', intervalSeconds * 3000);
    } catch (err) {
      onError(err as Error);
    }
  };
  let last = write();
  let timer0: NodeJS.Timeout | undefined;
  await Promise.race([last, new Promise((r) => { timer0 = setTimeout(r, firstWriteTimeoutMs); })]);
  clearTimeout(timer0);
  const timer = setInterval(() => { last = write(); }, intervalSeconds * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      // Bounded: a Redis that is away must not hold up the worker's shutdown (the key expires anyway).
      let t: NodeJS.Timeout | undefined;
      const remove = last.then(async () => (await client()).del(key)).catch(() => 0);
      await Promise.race([remove, new Promise((r) => { t = setTimeout(r, firstWriteTimeoutMs); })]);
      clearTimeout(t);
    },
  };
}
