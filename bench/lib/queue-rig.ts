/**
 * The queue benchmarks' common parts (jobs, uploads): `imgflow worker` processes started from the
 * sources, and a percentile of latencies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { root } from './resize-rig.ts';

/** One `imgflow worker` on `queues` (concurrency 1), resolved once it logs that it is ready. */
export async function startWorker(queues: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const w = spawn(process.execPath, ['--initial-old-space-size=128', '--import', 'tsx', 'bin/cli.ts', 'worker', '--queues', queues, '--concurrency', '1'], {
    cwd: root, env: { ...process.env, ...env, IMGFLOW_WORKER_METRICS_PORT: '0', IMGFLOW_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  // A worker that dies before it is ready (bad config, no Redis) must fail the bench, not hang it.
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    w.stdout!.on('data', (d) => {
      seen = (seen + String(d)).slice(-2000);
      if (seen.includes('worker ready')) resolve();
    });
    w.once('exit', (code, signal) => reject(new Error(`imgflow worker exited (${signal ?? code}) before it was ready:\n${seen}`)));
    w.once('error', reject);
  });
  return w;
}

/** The p-th percentile (nearest rank) of `xs`. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
