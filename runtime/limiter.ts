/** Bounded concurrency with a bounded queue: past the queue, callers are told to come back (429). */
import { errors } from './errors.ts';

export interface Limiter {
  /**
   * Runs `task` once a slot is free. A caller whose `signal` aborts while it waits leaves the
   * queue at once (rejecting with the signal's reason): a client that went away holds no place.
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  readonly active: number;
  readonly queued: number;
  /** True when a new caller would be refused: every slot busy and the queue full. */
  readonly full: boolean;
}

export function createLimiter(concurrency: number, maxQueue: number): Limiter {
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    active--;
    const next = waiting.shift();
    if (next) {
      active++;
      next();
    }
  };
  const wait = (signal: AbortSignal | undefined) =>
    new Promise<void>((resolve, reject) => {
      if (!signal) return void waiting.push(resolve);
      const onAbort = () => {
        const at = waiting.indexOf(admit);
        if (at >= 0) waiting.splice(at, 1);
        reject(signal.reason);
      };
      const admit = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      waiting.push(admit);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  return {
    get active() { return active; },
    get queued() { return waiting.length; },
    get full() { return active >= concurrency && waiting.length >= maxQueue; },
    async run(task, signal) {
      signal?.throwIfAborted();
      if (active >= concurrency) {
        if (waiting.length >= maxQueue) throw errors.IMGFLOW_ERR_OVERLOADED({ queued: waiting.length }, undefined, waiting.length);
        await wait(signal);
      } else active++;
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}
