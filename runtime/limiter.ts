/** Bounded concurrency with a bounded queue: past the queue, callers are told to come back (429). */
import { errors } from './errors.ts';

export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>;
  readonly active: number;
  readonly queued: number;
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
  return {
    get active() { return active; },
    get queued() { return waiting.length; },
    async run(task) {
      if (active >= concurrency) {
        if (waiting.length >= maxQueue) throw errors.IMGFLOW_ERR_OVERLOADED({ queued: waiting.length }, undefined, waiting.length);
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else active++;
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}
