/** How many threads one DeepDream gradient may use: IMGFLOW_DEEPDREAM_THREADS, else the CPU count. */
import { availableParallelism } from 'node:os';

export function dreamThreads(option?: number, env: string | undefined = process.env.IMGFLOW_DEEPDREAM_THREADS): number {
  const n = option ?? (env === undefined || env === '' ? availableParallelism() : Number(env));
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`Expected a whole number of at least 1 for IMGFLOW_DEEPDREAM_THREADS but received ${option ?? env}`);
  return n;
}
