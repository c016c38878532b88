/**
 * Server-wide bounds on inputs: how many downloads run at once, and how many input bytes are
 * held at once (downloads in progress, POSTed bodies, inputs waiting for their evaluation).
 * Admission (runtime/limiter.ts) bounds requests; this bounds the memory their inputs take,
 * whoever calls: the graph route, jobs, Flowhub previews.
 */
import { errors } from '../../runtime/errors.ts';
import { createLimiter, type Limiter } from '../../runtime/limiter.ts';

export interface InputBudgetOptions {
  maxConcurrentFetches: number;
  maxBytesInFlight: number;
}

/** Bytes one request holds; released together when the request no longer needs its inputs. */
export interface BytesHold {
  /** Adds `bytes` or throws IMGFLOW_ERR_INPUT_BYTES_BUSY (429) without taking any. */
  take(bytes: number): void;
  readonly held: number;
  /** Idempotent. */
  release(): void;
}

export interface InputBudget {
  /** Runs a download once fewer than maxConcurrentFetches run; leaves the line if `signal` aborts. */
  download<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  hold(): BytesHold;
  readonly bytesInFlight: number;
  readonly downloads: { active: number; waiting: number };
}

export function createInputBudget(options: InputBudgetOptions): InputBudget {
  // Waiting downloads already hold an admission slot, so the line is bounded by admission.
  const fetches: Limiter = createLimiter(options.maxConcurrentFetches, Number.MAX_SAFE_INTEGER);
  let inFlight = 0;
  return {
    download: (task, signal) => fetches.run(task, signal),
    hold() {
      let held = 0;
      return {
        take(bytes) {
          if (inFlight + bytes > options.maxBytesInFlight) {
            throw errors.IMGFLOW_ERR_INPUT_BYTES_BUSY({ inFlight, requested: bytes, limit: options.maxBytesInFlight }, undefined, inFlight, options.maxBytesInFlight);
          }
          inFlight += bytes;
          held += bytes;
        },
        get held() { return held; },
        release() {
          inFlight -= held;
          held = 0;
        },
      };
    },
    get bytesInFlight() { return inFlight; },
    get downloads() { return { active: fetches.active, waiting: fetches.queued }; },
  };
}

const budgets = new WeakMap<object, InputBudget>();

/** The one budget shared by everything serving with this config object (one server). */
export function inputBudgetFor(config: { readonly maxConcurrentFetches: number; readonly maxFetchBytesInFlight: number }): InputBudget {
  let budget = budgets.get(config);
  if (!budget) {
    budget = createInputBudget({ maxConcurrentFetches: config.maxConcurrentFetches, maxBytesInFlight: config.maxFetchBytesInFlight });
    budgets.set(config, budget);
  }
  return budget;
}
