export interface SingleFlight {
  /**
   * Runs `compute` unless a run for `key` is already in flight, in which case the caller shares
   * that run's result or error. The key is free again as soon as the run settles, so a failed
   * run is not remembered: the next caller computes afresh.
   *
   * A caller that passes `signal` may leave: when it aborts, that caller's promise rejects with
   * the signal's reason at once. When the last caller has left (every caller passed a signal
   * and every one aborted), the run's own signal, given to `compute`, aborts with the last
   * reason and the key is free: work nobody waits for is cancelled, work somebody still waits
   * for never is.
   */
  run<T>(key: string, compute: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Keys currently being computed. */
  readonly inFlight: number;
  /** Callers so far that joined a run instead of starting one. */
  readonly joined: number;
  /** Runs cancelled because every caller left. */
  readonly cancelled: number;
}

interface Flight {
  promise: Promise<unknown>;
  controller: AbortController;
  waiters: number;
}

export function createSingleFlight(): SingleFlight {
  const runs = new Map<string, Flight>();
  let joined = 0;
  let cancelled = 0;

  function follow<T>(key: string, flight: Flight, signal: AbortSignal | undefined): Promise<T> {
    flight.waiters++;
    if (!signal) return flight.promise as Promise<T>; // a caller that cannot leave keeps the run alive
    return new Promise<T>((resolve, reject) => {
      const leave = () => {
        flight.waiters--;
        reject(signal.reason);
        if (flight.waiters > 0) return;
        if (runs.get(key) === flight) runs.delete(key);
        cancelled++;
        flight.controller.abort(signal.reason);
      };
      signal.addEventListener('abort', leave, { once: true });
      flight.promise.then(
        (value) => { signal.removeEventListener('abort', leave); resolve(value as T); },
        (err) => { signal.removeEventListener('abort', leave); reject(err); },
      );
    });
  }

  return {
    run<T>(key: string, compute: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
      if (signal?.aborted) return Promise.reject(signal.reason);
      const running = runs.get(key);
      if (running) {
        joined++;
        return follow(key, running, signal);
      }
      const controller = new AbortController();
      const flight: Flight = { promise: Promise.resolve(), controller, waiters: 0 };
      // `then` also turns a synchronous throw in compute into a rejection shared by everyone.
      flight.promise = Promise.resolve()
        .then(() => compute(controller.signal))
        .finally(() => { if (runs.get(key) === flight) runs.delete(key); });
      // Every caller may have left: the run's own failure then has no one to report to.
      flight.promise.catch(() => {});
      runs.set(key, flight);
      return follow(key, flight, signal);
    },
    get inFlight() {
      return runs.size;
    },
    get joined() {
      return joined;
    },
    get cancelled() {
      return cancelled;
    },
  };
}
