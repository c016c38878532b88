export interface SingleFlight {
  /**
   * Runs `compute` unless a run for `key` is already in flight, in which case the caller shares
   * that run's result or error. The key is free again as soon as the run settles, so a failed
   * run is not remembered: the next caller computes afresh.
   */
  run<T>(key: string, compute: () => Promise<T>): Promise<T>;
  /** Keys currently being computed. */
  readonly inFlight: number;
  /** Callers so far that joined a run instead of starting one. */
  readonly joined: number;
}

export function createSingleFlight(): SingleFlight {
  const runs = new Map<string, Promise<unknown>>();
  let joined = 0;
  return {
    run<T>(key: string, compute: () => Promise<T>): Promise<T> {
      const running = runs.get(key);
      if (running) {
        joined++;
        return running as Promise<T>;
      }
      // `then` also turns a synchronous throw in compute into a rejection shared by everyone.
      const run = Promise.resolve().then(compute).finally(() => runs.delete(key));
      runs.set(key, run);
      return run;
    },
    get inFlight() {
      return runs.size;
    },
    get joined() {
      return joined;
    },
  };
}
