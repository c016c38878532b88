/**
 * What /proc says about a server: CPU and RSS of its whole process tree (nginx's workers,
 * any child a server forks), and which libvips it has loaded. Read from the kernel, so the
 * load generator, the origin and this script are never charged to a server.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second: 100 on every Linux this runs on (getconf CLK_TCK). */
const TICK_MS = 10;

function readOr(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process (or thread) has gone
  }
}

/** The pid and its live descendants, read from /proc/<pid>/task/<tid>/children. */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${out[i]}/task`);
    } catch { continue; }
    for (const tid of tasks) {
      const children = readOr(`/proc/${out[i]}/task/${tid}/children`);
      for (const c of children?.trim().split(/\s+/) ?? []) if (c) out.push(Number(c));
    }
  }
  return out;
}

/**
 * User + system CPU ms of the tree. The root's cutime/cstime count too: a child that exited
 * and was waited for leaves its CPU there, so work done by short-lived children is not lost.
 */
export function treeCpuMs(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    const stat = readOr(`/proc/${p}/stat`);
    if (!stat) continue;
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields 14-17 (1-based): utime stime cutime cstime; f[0] is field 3
    ticks += Number(f[11]) + Number(f[12]) + (p === pid ? Number(f[13]) + Number(f[14]) : 0);
  }
  return ticks * TICK_MS;
}

/** Resident set of the tree in bytes (VmRSS of each process). */
export function treeRssBytes(pid: number): number {
  let kb = 0;
  for (const p of processTree(pid)) {
    const m = /VmRSS:\s+(\d+) kB/.exec(readOr(`/proc/${p}/status`) ?? '');
    if (m) kb += Number(m[1]);
  }
  return kb * 1024;
}

export function isAlive(pid: number): boolean {
  const stat = readOr(`/proc/${pid}/stat`);
  return stat !== undefined && !/\) Z /.test(stat); // a zombie has exited
}

/** The libvips shared object a process has mapped (tells which sharp it really runs on). */
export function loadedLibvips(pid: number): string | undefined {
  const maps = readOr(`/proc/${pid}/maps`) ?? '';
  return /\s(\/\S*libvips-cpp\.so[^\s]*)/.exec(maps)?.[1];
}

/**
 * Resolves once the tree's CPU stops moving: `quietWindows` consecutive windows of `windowMs`
 * with at most one tick each. wrk stops reading when its time is up and leaves up to one
 * request per connection in the server; their CPU belongs to the run, so it is waited for.
 * `extra` lets a caller require something else to stand still too (the origin's GET count).
 */
export async function waitSettled(pid: number, opts: { windowMs?: number; quietWindows?: number; maxMs?: number; extra?: () => Promise<number> } = {}): Promise<{ settled: boolean; waitedMs: number }> {
  const windowMs = opts.windowMs ?? 100, need = opts.quietWindows ?? 3, maxMs = opts.maxMs ?? 60_000;
  const t0 = performance.now();
  let quiet = 0;
  let cpu = treeCpuMs(pid);
  let extra = opts.extra ? await opts.extra() : 0;
  while (performance.now() - t0 < maxMs) {
    await new Promise((r) => setTimeout(r, windowMs));
    if (!isAlive(pid)) return { settled: false, waitedMs: performance.now() - t0 };
    const nowCpu = treeCpuMs(pid);
    const nowExtra = opts.extra ? await opts.extra() : 0;
    quiet = nowCpu - cpu <= TICK_MS && nowExtra === extra ? quiet + 1 : 0;
    cpu = nowCpu;
    extra = nowExtra;
    if (quiet >= need) return { settled: true, waitedMs: performance.now() - t0 };
  }
  return { settled: false, waitedMs: performance.now() - t0 };
}
