/**
 * guv's sizing model (the-grid/guv, which sized imgflo's workers at The Grid), as pure functions:
 * how many workers keep a queue's jobs inside their deadline, and the scale-down window that
 * keeps a brief lull from stopping workers that the next burst needs.
 */

/** What the model needs to know about one queue. Times in seconds. */
export interface RoleModel {
  /** Mean processing time of one job. */
  processing: number;
  /** Deviation of the processing time; guv assumes half the mean when unknown. */
  stddev?: number;
  /** Longest a job should take from being queued to being done. */
  deadline: number;
  /** Jobs one worker runs at once. */
  concurrency: number;
  /** Share of jobs (in %) whose processing time the model plans for: 99 plans for the slow tail. */
  percentile: number;
  minimum: number;
  maximum: number;
}

export interface Estimate {
  /** Workers wanted, clamped to [minimum, maximum]. */
  workers: number;
  /** Before clamping. */
  unclamped: number;
  /** Time left for waiting once the slow-tail processing time is set aside (s). */
  target: number;
  /** Set when the deadline is too short for the processing time: guv then sizes for draining at full speed. */
  problem?: string;
}

/**
 * The standard normal quantile (z such that P(Z <= z) = p), by Acklam's rational approximation
 * (relative error below 1.2e-9), which is plenty for a percentile in a sizing rule.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/**
 * guv's rule: `target = deadline - (processing + z_p * stddev)` is the time a job may wait;
 * then `workers = ceil(ceil(jobs / concurrency) * processing / max(processing, target - processing))`,
 * clamped to [minimum, maximum]. `jobs` counts waiting and running jobs.
 */
export function estimateWorkers(jobs: number, m: RoleModel): Estimate {
  const stddev = m.stddev ?? 0.5 * m.processing;
  let target = m.deadline - (m.processing + normalQuantile(m.percentile / 100) * stddev);
  let problem: string | undefined;
  if (target <= m.processing) {
    problem = `deadline ${m.deadline} s is too short for processing ${round(m.processing)} s (deviation ${round(stddev)} s at the ${m.percentile}th percentile)`;
    target = m.processing + 0.01;
  }
  const batches = Math.ceil(Math.max(0, jobs) / m.concurrency);
  const unclamped = Math.ceil((batches * m.processing) / Math.max(m.processing, target - m.processing));
  const workers = Math.min(m.maximum, Math.max(m.minimum, unclamped));
  return { workers, unclamped, target, ...(problem ? { problem } : {}) };
}

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * Scale up at once, scale down only as low as the highest estimate seen over the last
 * `windowMs`: workers started for a burst are kept through a short lull.
 */
export class ScaleDownWindow {
  private readonly seen: Array<{ at: number; workers: number }> = [];
  private readonly windowMs: number;

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  /** Records the estimate made at `now` (ms) and returns the workers to run. */
  decide(now: number, estimate: number): number {
    this.seen.push({ at: now, workers: estimate });
    while (this.seen.length > 1 && this.seen[0].at <= now - this.windowMs) this.seen.shift();
    return Math.max(...this.seen.map((s) => s.workers));
  }
}
