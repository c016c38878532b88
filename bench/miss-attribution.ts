/**
 * Where imgflow's uncached path spends more than bare sharp (issue 14, part 1): the same load
 * as `npm run bench:compare`'s webp misses (wrk, a fresh input URL per request, 8 connections,
 * one origin process) against bare sharp's server and imgflow in several configurations at
 * once, in rotated order, so each switch-off is measured against bare sharp in the same round.
 * Each server's CPU is split by thread (/proc/<pid>/task); with --profile, imgflow's default
 * configuration and bare sharp run under `node --cpu-prof` and their main threads' samples in
 * the measured runs are charged to categories (bench/lib/cpu-profile.ts).
 *
 *   node --import tsx bench/miss-attribution.ts [--rounds 3] [--duration 8] [--connections 8]
 *     [--variants default,no-disk,no-store,no-store-silent] [--profile] [--path resize.webp?width=400]
 *     [--baseline bench/out/dist-before] [--variant NAME:ENV=value,ENV=value ...] [--threads] [--busy N]
 *
 * --threads runs, instead of the variants, IMGFLOW_CONCURRENCY 2, 3, 4, 6, 8 with one libvips
 * thread per pipeline and 4 with two (`npm run bench:threads`: about 4 minutes on 2 cores).
 * --busy N keeps N processes spinning on the CPU while the servers are measured: a busy
 * machine that a run can repeat (bench/lib/busy.ts).
 *
 * --baseline adds imgflow from another build (a copy of dist/ made before a change, under the
 * repository so it finds node_modules), default configuration: a change measured in the same run.
 *
 * Starts from dist/ (`npm run build` first). Markdown on stdout, progress on stderr.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startBusy } from './lib/busy.ts';
import { attribute } from './lib/cpu-profile.ts';
import { ensureImage, image } from './lib/resize-rig.ts';
import { isAlive, treeCpuMs, waitSettled } from './compare/proc.ts';
import { root, startBare, startImgflow, startOrigin, stopAll, type Peer, type Started } from './compare/peers.ts';
import { spread } from './compare/report.ts';
import { runWrk } from './compare/wrk.ts';

const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '4' },
    connections: { type: 'string', default: '8' },
    variants: { type: 'string', default: 'default,no-disk,no-store,no-store-silent' },
    variant: { type: 'string', multiple: true, default: [] },
    threads: { type: 'boolean', default: false },
    path: { type: 'string', default: 'resize.webp?width=400' },
    profile: { type: 'boolean', default: false },
    baseline: { type: 'string' },
    busy: { type: 'string', default: '0' },
  },
});
const rounds = Number(opt.rounds), duration = Number(opt.duration), warmup = Number(opt.warmup), connections = Number(opt.connections);

/** imgflow configurations: each switches one more thing off. */
const VARIANTS: Record<string, Record<string, string>> = {
  default: {},
  'no-disk': { IMGFLOW_CACHE_STORE: 'none' },
  'no-store': { IMGFLOW_CACHE_STORE: 'none', IMGFLOW_CACHE_MEMORY_MAX_BYTES: '0' },
  'no-store-silent': { IMGFLOW_CACHE_STORE: 'none', IMGFLOW_CACHE_MEMORY_MAX_BYTES: '0', IMGFLOW_LOG_LEVEL: 'silent' },
  'no-metrics': { IMGFLOW_METRICS: '0' },
  silent: { IMGFLOW_LOG_LEVEL: 'silent' },
};
// --variant NAME:ENV=value,ENV=value adds a configuration of one's own.
for (const spec of opt.variant!) {
  const at = spec.indexOf(':');
  if (at < 1) throw new Error(`--variant wants NAME:ENV=value,..., got ${spec}`);
  VARIANTS[spec.slice(0, at)] = Object.fromEntries(spec.slice(at + 1).split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]));
}
// --threads: evaluations at once x libvips threads per pipeline, the table the defaults come from.
if (opt.threads) {
  for (const [c, t] of [[2, 1], [3, 1], [4, 1], [6, 1], [8, 1], [4, 2]]) VARIANTS[`c${c} t${t}`] = { IMGFLOW_CONCURRENCY: String(c), IMGFLOW_VIPS_THREADS: String(t) };
}
const variants = opt.threads ? Object.keys(VARIANTS).filter((v) => /^c\d t\d$/.test(v)) : [...opt.variants!.split(','), ...opt.variant!.map((v) => v.slice(0, v.indexOf(':')))];
for (const v of variants) if (!VARIANTS[v]) throw new Error(`--variants: no ${v} (${Object.keys(VARIANTS).join(', ')})`);

const say = (line: string) => console.error(`miss-attribution: ${line}`);
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
process.on('exit', stopAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { stopAll(); process.exit(130); });

const profDir = `${root}bench/out/miss-profile`;
if (opt.profile) rmSync(profDir, { recursive: true, force: true });
const profFlags = (name: string) => (opt.profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}/${name}`] : []);

interface Server { name: string; peer: Peer; path: (origin: string) => string; profiled: boolean }

function must(s: Started, name: string): Peer {
  if (!s.ok) throw new Error(`${name} did not start: ${s.reason}`);
  return s.peer;
}

/** CPU ms by thread group of a process (main, libvips worker, node, ...). */
function threads(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = tid === String(pid) ? 'main' : readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim().replace(/[\d-]+$/, '').trim();
      out[name] = (out[name] ?? 0) + (Number(f[11]) + Number(f[12])) * 10;
    } catch { /* the thread ended */ }
  }
  return out;
}

await ensureImage();
mkdirSync(`${root}bench/out/miss-attribution`, { recursive: true });
const origin = await startOrigin(image);
const e = encodeURIComponent;
const input = (o: string) => `${e(`${o}/test.jpg?v=`)}{n}`;
const [graphPath, graphQuery] = opt.path!.split('?');
const [, fmt] = graphPath.split('.');
const width = /width=(\d+)/.exec(graphQuery ?? '')?.[1] ?? '400';
const servers: Server[] = [];
try {
  say(`load ${loadavg()}; starting bare sharp and imgflow ${variants.join(', ')}`);
  servers.push({ name: 'bare sharp', peer: must(await startBare(profFlags('bare')), 'bare'), path: (o) => `/resize?w=${width}&f=${fmt}&input=${input(o)}`, profiled: opt.profile! });
  for (const v of variants) {
    const profiled = opt.profile! && v === 'default';
    servers.push({
      name: `imgflow ${v}`,
      peer: must(await startImgflow(`${root}bench/out/miss-attribution`, VARIANTS[v], { nodeFlags: profiled ? profFlags('imgflow') : [], name: `imgflow-${v.replace(/\W/g, '-')}` }), v),
      path: (o) => `/graph/${opt.path}&input=${input(o)}`,
      profiled,
    });
  }
  if (opt.baseline) {
    servers.push({
      name: 'imgflow baseline',
      peer: must(await startImgflow(`${root}bench/out/miss-attribution`, {}, { name: 'imgflow-baseline', distDir: opt.baseline }), 'baseline'),
      path: (o) => `/graph/${opt.path}&input=${input(o)}`,
      profiled: false,
    });
  }
  // Started after the servers, so every server starts on the same machine and runs on a busy one.
  if (Number(opt.busy) > 0) {
    startBusy(Number(opt.busy));
    say(`--busy ${opt.busy}: ${opt.busy} processes spinning on the CPU at normal priority from here on`);
  }
  const load0 = loadavg();
  const cpu = new Map<string, number[]>(), per = new Map<string, Record<string, number>>(), reqs = new Map<string, number>(), rps = new Map<string, number[]>();
  const windows = new Map<string, [number, number][]>();
  const ratios = new Map<string, number[]>();
  let run = 0;
  for (let r = -1; r < rounds; r++) {
    const order = servers.map((_, i) => servers[(i + Math.max(r, 0)) % servers.length]);
    const roundCpu = new Map<string, number>();
    for (const s of order) {
      const url = `${s.peer.base}${s.path(origin.base)}`;
      if (r < 0) {
        await runWrk({ url, connections, seconds: warmup, unique: { runId: `w${run++}` } });
        await waitSettled(s.peer.pid, { extra: origin.gets });
        continue;
      }
      if (!isAlive(s.peer.pid)) throw new Error(`${s.name} exited: ${s.peer.stderrTail()}`);
      const g0 = await origin.gets(), c0 = treeCpuMs(s.peer.pid), t0 = threads(s.peer.pid);
      const w0 = Number(process.hrtime.bigint() / 1000n);
      const res = await runWrk({ url, connections, seconds: duration, unique: { runId: `r${run++}` } });
      await waitSettled(s.peer.pid, { extra: origin.gets });
      if (!isAlive(s.peer.pid)) throw new Error(`${s.name} exited during the run: ${s.peer.stderrTail()}`);
      const w1 = Number(process.hrtime.bigint() / 1000n);
      const n = (await origin.gets()) - g0;
      if (res.non2xx || res.socketErrors) say(`${s.name}: ${res.non2xx} non-2xx, ${res.socketErrors} socket errors`);
      const ms = (treeCpuMs(s.peer.pid) - c0) / n;
      roundCpu.set(s.name, ms);
      (cpu.get(s.name) ?? cpu.set(s.name, []).get(s.name)!).push(ms);
      (rps.get(s.name) ?? rps.set(s.name, []).get(s.name)!).push(res.rps);
      const t1 = threads(s.peer.pid), acc = per.get(s.name) ?? per.set(s.name, {}).get(s.name)!;
      for (const [k, v] of Object.entries(t1)) acc[k] = (acc[k] ?? 0) + v - (t0[k] ?? 0);
      reqs.set(s.name, (reqs.get(s.name) ?? 0) + n);
      (windows.get(s.name) ?? windows.set(s.name, []).get(s.name)!).push([w0, w1]);
      say(`round ${r + 1} ${s.name}: ${n} requests, ${ms.toFixed(1)} ms CPU/request, ${res.rps.toFixed(1)} req/s (load ${loadavg()})`);
    }
    if (r >= 0) for (const s of servers) (ratios.get(s.name) ?? ratios.set(s.name, []).get(s.name)!).push(roundCpu.get(s.name)! / roundCpu.get('bare sharp')!);
  }
  const range = (a: number[], d = 2) => spread(a, (x) => x.toFixed(d));
  console.log(`\`node --import tsx bench/miss-attribution.ts ${process.argv.slice(2).join(' ')}\`, ${new Date().toISOString()}, load ${load0} at start, ${loadavg()} at end; wrk -t1 -c${connections}, ${duration} s per run, ${rounds} rounds, order rotated${Number(opt.busy) > 0 ? `, ${opt.busy} CPU spinners running (--busy)` : ''}; GET ${opt.path} of the 2000x1500 JPEG, a fresh input URL per request\n`);
  console.log('| server | req/s | ms CPU/request | / bare sharp, same round | main thread | libvips workers | other threads |');
  console.log('|---|---|---|---|---|---|---|');
  for (const s of servers) {
    const t = per.get(s.name)!, n = reqs.get(s.name)!;
    const main = (t.main ?? 0) / n, vips = (t['libvips worker'] ?? 0) / n;
    const other = Object.entries(t).filter(([k]) => k !== 'main' && k !== 'libvips worker').reduce((a, [, v]) => a + v, 0) / n;
    console.log(`| ${s.name} | ${range(rps.get(s.name)!, 1)} | ${range(cpu.get(s.name)!, 1)} | ${range(ratios.get(s.name)!, 3)}x | ${main.toFixed(2)} | ${vips.toFixed(2)} | ${other.toFixed(2)} |`);
  }
  console.log('\nOther threads by name, ms CPU/request:\n');
  for (const s of servers) {
    const t = per.get(s.name)!, n = reqs.get(s.name)!;
    console.log(`- ${s.name}: ${Object.entries(t).filter(([k]) => k !== 'main' && k !== 'libvips worker').sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(v / n).toFixed(2)}`).join(', ')}`);
  }
  if (opt.profile) {
    for (const s of servers.filter((x) => x.profiled)) s.peer.stop();
    // Each writes its profile as it exits.
    for (const s of servers.filter((x) => x.profiled)) {
      for (let i = 0; i < 200 && (() => { try { process.kill(s.peer.pid, 0); return true; } catch { return false; } })(); i++) await new Promise((r) => setTimeout(r, 100));
    }
    const results = servers.filter((x) => x.profiled).map((s) => {
      const dir = `${profDir}/${s.name === 'bare sharp' ? 'bare' : 'imgflow'}`;
      const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error(`no profile in ${dir}`);
      return { s, a: attribute(`${dir}/${file}`, windows.get(s.name)!), n: reqs.get(s.name)! };
    });
    console.log('\nMain thread by category (`--cpu-prof` samples inside the measured runs; the profiler itself slows the profiled servers), ms per request:\n');
    const cats = [...new Set(results.flatMap((x) => [...x.a.byCategory.keys()]))];
    const sum = (x: typeof results[number], c: string) => (x.a.byCategory.get(c) ?? 0) / x.n;
    cats.sort((a, b) => sum(results[results.length - 1], b) - sum(results[results.length - 1], a));
    console.log(`| category | ${results.map((x) => x.s.name).join(' | ')} |\n|---|${results.map(() => '---:').join('|')}|`);
    for (const c of cats) console.log(`| ${c} | ${results.map((x) => sum(x, c).toFixed(3)).join(' | ')} |`);
    console.log(`| main thread busy (sampled) | ${results.map((x) => (x.a.busyMs / x.n).toFixed(3)).join(' | ')} |`);
    for (const x of results) {
      console.log(`\nTop self time, ${x.s.name} (ms per request):\n`);
      for (const [name, v] of x.a.topSelf.slice(0, 25)) console.log(`- ${(v / x.n).toFixed(3)} ${name}`);
    }
  }
} finally {
  stopAll();
  origin.stop();
}
