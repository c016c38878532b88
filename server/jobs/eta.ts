/** Time-left estimates from how long this queue's recent jobs took. */
const SAMPLES = 20;

export class Durations {
  private readonly byQueue = new Map<string, number[]>();

  add(queue: string, ms: number): void {
    const list = this.byQueue.get(queue) ?? [];
    list.push(ms);
    if (list.length > SAMPLES) list.shift();
    this.byQueue.set(queue, list);
  }

  set(queue: string, samples: number[]): void {
    this.byQueue.set(queue, samples.slice(-SAMPLES));
  }

  /** Mean of the recent durations (ms), undefined before any job finished. */
  mean(queue: string): number | undefined {
    const list = this.byQueue.get(queue);
    return list && list.length ? list.reduce((a, b) => a + b, 0) / list.length : undefined;
  }
}

/**
 * Seconds left: a running job has (1 - progress) of a mean duration to go; a queued one waits
 * for the jobs ahead of it, `slots` at a time, then runs.
 */
export function etaSeconds(mean: number | undefined, state: string, progress: number, position: number | undefined, slots: number): number | undefined {
  if (mean === undefined) return undefined;
  if (state === 'processing') return Math.max(0, Math.round((mean * (1 - progress)) / 1000));
  if (state === 'queued') return Math.round((mean * (Math.floor((position ?? 0) / Math.max(1, slots)) + 1)) / 1000);
  return state === 'succeeded' || state === 'failed' ? 0 : undefined;
}
