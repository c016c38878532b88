/**
 * Admission and evaluation slots. A request is admitted (a place in the work set, or in the
 * bounded queue before it; past the queue, 429) before it downloads anything, and takes an
 * evaluation slot only for the CPU work: with `ahead` places beyond the slots, the next
 * requests download their inputs while the slots evaluate, so a slot never idles on the
 * network (bench/README.md, "Downloading ahead").
 */
import { errors } from './errors.ts';

export interface Limiter {
  /**
   * Runs `task` once a slot is free, admitted as `admit` does. A caller whose `signal` aborts
   * while it waits leaves the queue at once (rejecting with the signal's reason): a client
   * that went away holds no place.
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /**
   * Admits `work` (waiting in the queue, or 429 past it) and holds its place until it ends;
   * `work` loads what it needs, then calls `evaluate` for the CPU part, which waits for a slot.
   */
  admit<T>(work: (evaluate: <R>(task: () => Promise<R>) => Promise<R>) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Runs `task` in a slot without a place of its own: for work inside an admitted caller's place. */
  slot<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Evaluations running. */
  readonly active: number;
  /** Admitted, not yet loading: waiting for a place in the work set. */
  readonly queued: number;
  /** In the work set but not evaluating: loading their inputs, or loaded and waiting for a slot. */
  readonly loading: number;
  /** True when a new caller would be refused: the work set and the queue full. */
  readonly full: boolean;
}

/** A counting semaphore whose waiters leave when their signal aborts. */
function semaphore(capacity: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
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
    get waiting() { return waiting.length; },
    get free() { return active < capacity; },
    /** Takes a unit if one is free. */
    take(): boolean {
      if (active >= capacity) return false;
      active++;
      return true;
    },
    /** Waits for a unit handed on by release() (the caller bounds the line). */
    wait,
    release() {
      const next = waiting.shift();
      // The unit passes straight to the next waiter: `active` stays as it is.
      if (next) next();
      else active--;
    },
  };
}

/**
 * `concurrency` evaluations at once; `ahead` more requests may load their inputs meanwhile;
 * `maxQueue` more wait before loading anything; the rest are refused with 429.
 */
export function createLimiter(concurrency: number, maxQueue: number, ahead = 0): Limiter {
  const places = semaphore(concurrency + ahead);
  const slots = semaphore(concurrency);
  // Taking a free unit is synchronous, so a caller holds its slot or place when run() returns.
  const slot = async <T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> => {
    signal?.throwIfAborted();
    if (!slots.take()) await slots.wait(signal);
    try {
      return await task();
    } finally {
      slots.release();
    }
  };
  const admit = async <T>(work: (evaluate: <R>(task: () => Promise<R>) => Promise<R>) => Promise<T>, signal?: AbortSignal): Promise<T> => {
    signal?.throwIfAborted();
    if (!places.take()) {
      if (places.waiting >= maxQueue) throw errors.IMGFLOW_ERR_OVERLOADED({ queued: places.waiting }, undefined, places.waiting);
      await places.wait(signal);
    }
    try {
      return await work((task) => slot(task, signal));
    } finally {
      places.release();
    }
  };
  return {
    get active() { return slots.active; },
    get queued() { return places.waiting; },
    get loading() { return Math.max(0, places.active - slots.active); },
    get full() { return !places.free && places.waiting >= maxQueue; },
    run: (task, signal) => admit((evaluate) => evaluate(task), signal),
    admit,
    slot,
  };
}
