/** Turns the runs into the tables of issue 14: medians with their range, and same-round ratios. */
import { peerNames, type PeerKey } from './peers.ts';
import type { Workload } from './workloads.ts';

export interface Row {
  round: number;
  workload: string;
  peer: PeerKey;
  rps: number;
  p50: number;
  p99: number;
  /** Server CPU (process tree) per request processed, ms. */
  cpuMs: number;
  /** Requests wrk got answers to, and requests the server processed (origin GETs for misses). */
  answered: number;
  processed: number;
  errors: number;
  /** Whether the server's CPU stood still before it was read (false: read after 60 s anyway). */
  settled: boolean;
  load1: number;
}

export interface Failure { round: number; workload: string; peer: PeerKey; reason: string }

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** 38.4, 0.06, 18718: enough digits to compare, no more. */
export function num(x: number): string {
  if (!Number.isFinite(x)) return '-';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a >= 0.1) return x.toFixed(3);
  return x.toFixed(4);
}

/** "median (min-max)" of a series; a single value alone. */
export function spread(xs: number[], fmt: (x: number) => string = num): string {
  if (!xs.length) return '-';
  if (xs.length === 1) return fmt(xs[0]);
  return `${fmt(median(xs))} (${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))})`;
}

const ratioFmt = (x: number) => `${x.toFixed(2)}x`;

/** imgflow's value over the peer's, per round where both ran. */
function ratios(rows: Row[], peer: PeerKey, pick: (r: Row) => number): number[] {
  const out: number[] = [];
  for (const r of rows.filter((x) => x.peer === peer)) {
    const mine = rows.find((x) => x.peer === 'imgflow' && x.round === r.round);
    if (mine && pick(r) > 0) out.push(pick(mine) / pick(r));
  }
  return out;
}

export function workloadTable(w: Workload, rows: Row[], peers: PeerKey[]): string {
  const mine = rows.filter((r) => r.workload === w.id);
  const lines = [
    `#### ${w.title}`,
    '',
    '| server | req/s | server CPU ms/request | p99 ms | imgflow/peer req/s | imgflow/peer CPU | errors | requests processed |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const p of peers) {
    const rs = mine.filter((r) => r.peer === p);
    if (!rs.length) continue;
    const other = p !== 'imgflow';
    lines.push(`| ${peerNames[p]} | ${spread(rs.map((r) => r.rps))} | ${spread(rs.map((r) => r.cpuMs))} | ${spread(rs.filter((r) => r.answered > 0).map((r) => r.p99))} | ${other ? spread(ratios(mine, p, (r) => r.rps), ratioFmt) : ''} | ${other ? spread(ratios(mine, p, (r) => r.cpuMs), ratioFmt) : ''} | ${rs.reduce((a, r) => a + r.errors, 0)}${rs.some((r) => !r.settled) ? ', CPU still moving 60 s after a run' : ''} | ${rs.map((r) => r.processed).join(' ')} |`);
  }
  return lines.join('\n');
}

/** The issue's summary: one line per workload and peer, medians, the same-round ratio. */
export function summaryTable(ws: Workload[], rows: Row[], peers: PeerKey[]): string {
  const lines = [
    '| workload | peer | imgflow | peer | imgflow/peer (same round: median, min-max) |',
    '|---|---|---|---|---|',
  ];
  for (const w of ws) {
    const mine = rows.filter((r) => r.workload === w.id);
    const own = mine.filter((r) => r.peer === 'imgflow');
    if (!own.length) continue;
    // misses: CPU per request is the figure; hits: req/s is
    const metric = w.connections === 'miss' ? { pick: (r: Row) => r.cpuMs, unit: 'ms CPU/req' } : { pick: (r: Row) => r.rps, unit: 'req/s' };
    const others = peers.filter((p) => p !== 'imgflow' && mine.some((r) => r.peer === p));
    if (!others.length) lines.push(`| ${w.title} | (none) | ${num(median(own.map(metric.pick)))} ${metric.unit} | | |`);
    for (const p of others) {
      const theirs = mine.filter((r) => r.peer === p);
      lines.push(`| ${w.title} | ${peerNames[p]} | ${num(median(own.map(metric.pick)))} ${metric.unit} | ${num(median(theirs.map(metric.pick)))} | ${spread(ratios(mine, p, metric.pick), ratioFmt)} |`);
      if (w.connections === 'miss') {
        lines.push(`| ${w.title}, req/s | ${peerNames[p]} | ${num(median(own.map((r) => r.rps)))} req/s | ${num(median(theirs.map((r) => r.rps)))} | ${spread(ratios(mine, p, (r) => r.rps), ratioFmt)} |`);
      }
    }
  }
  return lines.join('\n');
}

export interface Rss { start?: number; after?: number; misses?: number; failed?: string }

export function rssTable(rss: Partial<Record<PeerKey, Rss>>, misses: number): string {
  const mb = (b?: number) => (b === undefined ? '-' : `${(b / 2 ** 20).toFixed(0)} MB`);
  const lines = [
    `| server | RSS at start | RSS after ${misses} misses | imgflow/peer (start / after) |`,
    '|---|---|---|---|',
  ];
  const own = rss.imgflow;
  for (const [p, r] of Object.entries(rss) as [PeerKey, Rss][]) {
    const ratio = p !== 'imgflow' && own?.start && r.start ? `${(own.start / r.start).toFixed(2)}x / ${own.after && r.after ? `${(own.after / r.after).toFixed(2)}x` : '-'}` : '';
    lines.push(`| ${peerNames[p]} | ${mb(r.start)} | ${mb(r.after)}${r.failed ? ` (${r.failed})` : ''} | ${ratio} |`);
  }
  return lines.join('\n');
}
