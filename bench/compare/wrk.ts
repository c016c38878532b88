/** Runs wrk (asynchronously: the bench's timers keep running) and reads its report. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const UNIQUE_LUA = fileURLToPath(new URL('unique.lua', import.meta.url));

export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  /** Latency percentiles in ms, from the "Latency Distribution" block (--latency). */
  p50: number;
  p99: number;
  /** Responses outside 2xx/3xx, and connect/read/write/timeout errors summed. */
  non2xx: number;
  socketErrors: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/** A wrk duration like "1.02ms", "250.00us" or "2.01s", in ms. */
export function wrkMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!m) throw new Error(`not a wrk duration: ${text}`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

/**
 * Parses wrk's report. Percentiles are read only inside "Latency Distribution", one anchored
 * line each: the Thread Stats block above it ends its lines with percentages too ("+/- Stdev"
 * of 72.99% followed by "Req/Sec" on the next line reads as a 99th percentile of "Req/Sec").
 */
export function parseWrk(out: string): WrkResult {
  const dist = out.split(/Latency Distribution/)[1];
  if (!dist) throw new Error(`no latency distribution in wrk's output (run it with --latency):\n${out}`);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+(\\S+)\\s*$`, 'm').exec(dist);
    if (!m) throw new Error(`no ${p}% line in wrk's output:\n${out}`);
    return wrkMs(m[1]);
  };
  const done = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(out);
  if (!done) throw new Error(`no request count in wrk's output:\n${out}`);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requests: Number(done[1]),
    seconds: Number(done[2]) * UNIT_MS[done[3]] / 1000,
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]),
    p50: pct('50'),
    p99: pct('99'),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: errors ? errors.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  };
}

export interface WrkRun {
  url: string;
  connections: number;
  seconds: number;
  threads?: number;
  headers?: string[];
  /** A path with {n}: every request gets its own (unique.lua); `runId` keeps runs apart. */
  unique?: { runId: string };
}

/** wrk's arguments for a run (-t1 by default: on 2 cores a second thread only steals from the server). */
export function wrkArgs(run: WrkRun): string[] {
  const base = new URL(run.url);
  const args = [`-t${run.threads ?? 1}`, `-c${run.connections}`, `-d${run.seconds}s`, '--latency', '--timeout', '30s'];
  for (const h of run.headers ?? []) args.push('-H', h);
  if (!run.unique) return [...args, run.url];
  const path = run.url.slice(base.origin.length);
  return [...args, '-s', UNIQUE_LUA, base.origin, '--', path, run.unique.runId];
}

export function runWrk(run: WrkRun): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', wrkArgs(run), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited with ${code}: ${out.slice(-500)}`));
      try {
        resolve(parseWrk(out));
      } catch (err) {
        reject(err);
      }
    });
  });
}
