/**
 * A busy machine on demand: `n` processes that spin on the CPU at normal priority for as long as
 * the bench runs, so "when the machine is busy" is a setting a run can repeat, not whatever
 * else happened to be running. Servers are charged their own CPU from /proc, so the spinners'
 * time is not counted; what they take away is cores.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** Spinners that live until this process exits. */
export function startBusy(n: number): void {
  const spinners: ChildProcess[] = [];
  for (let i = 0; i < n; i++) spinners.push(spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' }));
  process.once('exit', () => {
    for (const p of spinners) if (p.exitCode === null) p.kill('SIGKILL');
  });
}
