/**
 * imgflow next to IPX (on imgflow's sharp and as published), bare sharp and nginx proxy_cache,
 * on one machine, one generated image, one origin and one load generator (wrk), issue 14's
 * workloads in an order rotated each round. See bench/README.md, "Compared with IPX, bare
 * sharp and nginx", for what is measured and how.
 *
 *   npm run bench:compare -- [--rounds 3] [--duration 10] [--misses 2000] [--warmup 3]
 *     [--connections 8] [--hit-connections 64] [--peers imgflow,ipx,...] [--workloads webp,...]
 *     [--imgflow-env IMGFLOW_CONCURRENCY=4 ...] [--busy N] [--build] [--json out.json]
 *
 * --busy N keeps N processes spinning on the CPU from the warm-up on (bench/lib/busy.ts): the
 * "machine busy" column, repeatable.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { startBusy } from '../lib/busy.ts';
import { ensureImage } from '../lib/resize-rig.ts';
import { ensureApt, ensureIpx, type Installed } from './install.ts';
import { loadedLibvips, treeCpuMs, treeRssBytes, waitSettled, isAlive } from './proc.ts';
import { peerNames, root, startBare, startImgflow, startIpx, startNginx, startOrigin, stopAll, type Peer, type PeerKey, type Started } from './peers.ts';
import { rssTable, summaryTable, workloadTable, type Failure, type Row, type Rss } from './report.ts';
import { sendMisses } from './misses.ts';
import { runWrk } from './wrk.ts';
import { workloads, type Workload } from './workloads.ts';

const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    misses: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '8' },
    'hit-connections': { type: 'string', default: '64' },
    peers: { type: 'string', default: 'imgflow,ipx,ipx-published,bare,nginx' },
    workloads: { type: 'string', default: workloads.map((w) => w.id).join(',') },
    'imgflow-env': { type: 'string', multiple: true, default: [] },
    build: { type: 'boolean', default: false },
    busy: { type: 'string', default: '0' },
    json: { type: 'string' },
  },
});
const rounds = Number(opt.rounds), duration = Number(opt.duration), misses = Number(opt.misses), warmup = Number(opt.warmup);
const conns = { miss: Number(opt.connections), hit: Number(opt['hit-connections']) };
const wanted = new Set(opt.peers!.split(',') as PeerKey[]);
const chosen = opt.workloads!.split(',').map((id) => {
  const w = workloads.find((x) => x.id === id);
  if (!w) throw new Error(`--workloads: no workload ${id} (${workloads.map((x) => x.id).join(', ')})`);
  return w;
});
const imgflowEnv = Object.fromEntries(opt['imgflow-env']!.map((kv) => {
  const at = kv.indexOf('=');
  if (at < 1) throw new Error(`--imgflow-env wants NAME=value, got ${kv}`);
  return [kv.slice(0, at), kv.slice(at + 1)];
}));
const scratch = `${root}bench/out/compare`;
mkdirSync(scratch, { recursive: true });

const say = (line: string) => console.error(`bench:compare: ${line}`);
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
process.on('exit', stopAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { stopAll(); process.exit(130); });

/** dist/ is what `npm start` runs: rebuilt when a source is newer than it (or with --build). */
function ensureBuilt(): void {
  const newest = (dir: string): number => readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
    const p = `${dir}/${e.name}`;
    return Math.max(m, e.isDirectory() ? (e.name === 'node_modules' ? 0 : newest(p)) : statSync(p).mtimeMs);
  }, 0);
  let built = 0;
  try {
    built = statSync(`${root}dist/server/main.js`).mtimeMs;
  } catch { /* not built */ }
  const sources = Math.max(...['runtime', 'operations', 'ui-protocol', 'server', 'rig', 'bin'].map((d) => newest(`${root}${d}`)));
  if (opt.build || sources > built) {
    say('npm run build (dist/ missing or older than the sources) ...');
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  }
}

const header: string[] = [];
const notes: string[] = [];
const t0 = Date.now();
header.push(`date: ${new Date().toISOString()}; machine: ${cpus().length} x ${cpus()[0].model}; node ${process.version}`);
header.push(`load average at start: ${loadavg()}`);

const tools = ensureApt({ wrk: 'wrk', nginx: 'nginx' });
if (!tools.wrk.ok) {
  console.error(`bench:compare: wrk is the load generator and could not be had: ${tools.wrk.reason}`);
  process.exit(1);
}
const ipxInstall: Installed = wanted.has('ipx') || wanted.has('ipx-published') ? ensureIpx(`${scratch}/ipx`) : { ok: false, reason: 'not asked for' };
ensureBuilt();
const jpeg = await ensureImage();
const origin = await startOrigin(`${root}bench/out/test.jpg`);
header.push(`image: bench/lib/photo-like.ts 2000x1500 JPEG, ${jpeg.length} B, served by one origin process (bench/compare/servers/origin.mjs)`);
header.push(`load: ${tools.wrk.version.split(' [')[0]}, -t1, ${conns.miss} connections for misses, ${conns.hit} for hits and 304s, ${duration} s per run, ${warmup} s warm-up per workload and server, ${rounds} rounds, server order rotated each round`);

// Start every peer; those that fail are reported and left out.
const peers: Peer[] = [];
const failed: Partial<Record<PeerKey, string>> = {};
const keep = (s: Started) => (s.ok ? peers.push(s.peer) : (failed[s.key] = s.reason));
if (wanted.has('imgflow')) keep(await startImgflow(scratch, imgflowEnv));
if (wanted.has('ipx')) keep(ipxInstall.ok ? await startIpx(`${scratch}/ipx`, false) : { ok: false, key: 'ipx', reason: ipxInstall.reason });
if (wanted.has('ipx-published')) keep(ipxInstall.ok ? await startIpx(`${scratch}/ipx`, true) : { ok: false, key: 'ipx-published', reason: ipxInstall.reason });
if (wanted.has('bare')) keep(await startBare());
const rss: Partial<Record<PeerKey, Rss>> = {};
for (const p of peers) rss[p.key] = { start: treeRssBytes(p.pid) };
const imgflow = peers.find((p) => p.key === 'imgflow');
if (wanted.has('nginx')) {
  if (!tools.nginx.ok) failed.nginx = tools.nginx.reason;
  else if (!imgflow) failed.nginx = 'it fronts imgflow, which did not start';
  else keep(await startNginx(scratch, imgflow.base));
}
for (const [k, reason] of Object.entries(failed)) say(`${peerNames[k as PeerKey]} not run: ${reason}`);

const urlOf = (p: Peer, w: Workload) => `${p.base}${w.paths[p.key]!(origin.base)}`;
const servesMisses = (p: Peer) => p.key !== 'nginx';

/** One wrk run against one peer, CPU read once the requests wrk left behind are done. */
async function measure(p: Peer, w: Workload, runId: string, seconds: number, headers: string[] = []): Promise<Omit<Row, 'round' | 'workload' | 'peer'>> {
  const gets0 = await origin.gets();
  const cpu0 = treeCpuMs(p.pid);
  const load1 = Number(loadavg().split(' ')[0]);
  const r = await runWrk({ url: urlOf(p, w), connections: conns[w.connections], seconds, headers, unique: w.unique ? { runId } : undefined });
  const settle = await waitSettled(p.pid, { extra: w.unique ? origin.gets : undefined });
  if (!isAlive(p.pid)) throw new Error(`the server died (${p.stderrTail().split('\n').slice(-2).join(' / ')})`);
  const cpu = treeCpuMs(p.pid) - cpu0;
  const processed = w.unique ? (await origin.gets()) - gets0 : r.requests;
  if (w.unique && processed < r.requests) notes.push(`${peerNames[p.key]}, ${w.title}: ${r.requests} answers but only ${processed} origin fetches (a cache answered?)`);
  return { rps: r.rps, p50: r.p50, p99: r.p99, cpuMs: cpu / Math.max(1, processed), answered: r.requests, processed, errors: r.non2xx + r.socketErrors, settled: settle.settled, load1 };
}

// ETags for the 304 workload, and a check that nginx really serves from its cache.
const etags: Partial<Record<PeerKey, string>> = {};
const hit = workloads.find((w) => w.id === 'hit')!;
for (const p of peers.filter((x) => hit.paths[x.key])) {
  let res: Response | undefined;
  for (let i = 0; i < 3; i++) {
    res = await fetch(urlOf(p, hit));
    const body = await res.arrayBuffer();
    if (i === 0) header.push(`cached hit: ${peerNames[p.key]} answers ${res.status} ${res.headers.get('content-type')} of ${body.byteLength} B`);
  }
  etags[p.key] = res!.headers.get('etag') ?? undefined;
  if (p.key === 'nginx' && res!.headers.get('x-cache-status') !== 'HIT') notes.push(`nginx answered the third request with X-Cache-Status ${res!.headers.get('x-cache-status')}, not HIT`);
  const cond = await fetch(urlOf(p, hit), { headers: { 'if-none-match': etags[p.key] ?? '' } });
  await cond.arrayBuffer();
  if (cond.status !== 304) notes.push(`${peerNames[p.key]} answered If-None-Match with ${cond.status}, not 304`);
}

// RSS at start was read above; now `misses` uncached webp requests each, which warm the JIT too.
const webp = workloads.find((w) => w.id === 'webp')!;
if (misses > 0) {
  for (const p of peers.filter(servesMisses)) {
    say(`${misses} misses on ${peerNames[p.key]} (RSS) ...`);
    const cpu0 = treeCpuMs(p.pid), gets0 = await origin.gets(), began = performance.now();
    const r = await sendMisses((i) => urlOf(p, webp).replace('{n}', `m-${i}`), misses, conns.miss);
    const seconds = (performance.now() - began) / 1000;
    await waitSettled(p.pid);
    if (!isAlive(p.pid)) {
      rss[p.key] = { ...rss[p.key], failed: 'the server died' };
      continue;
    }
    const processed = (await origin.gets()) - gets0;
    rss[p.key] = { ...rss[p.key], after: treeRssBytes(p.pid), misses: processed, ...(r.failed ? { failed: `${r.failed} of ${misses} failed (${r.firstError})` } : {}) };
    notes.push(`${misses} misses on ${peerNames[p.key]} (node fetch, ${conns.miss} at a time): ${processed} origin fetches, ${r.failed} failed, ${(r.ok / seconds).toFixed(1)} req/s, ${((treeCpuMs(p.pid) - cpu0) / Math.max(1, processed)).toFixed(1)} ms CPU/request (also the JIT's warm-up)`);
  }
}
for (const p of peers) {
  const lib = loadedLibvips(p.pid);
  if (lib) header.push(`${peerNames[p.key]} runs ${lib.replace(root, '')}`);
}

const rows: Row[] = [];
const failures: Failure[] = [];
const dead = new Set<PeerKey>();

async function runOne(round: number, w: Workload, p: Peer, seconds: number, warm: boolean) {
  if (dead.has(p.key)) return;
  const headers = w.conditional ? [`If-None-Match: ${etags[p.key]}`] : [];
  try {
    const r = await measure(p, w, `${warm ? 'w' : 'r'}${round}-${w.id}-${p.key}`, seconds, headers);
    if (!warm) rows.push({ round, workload: w.id, peer: p.key, ...r });
  } catch (err) {
    failures.push({ round, workload: w.id, peer: p.key, reason: (err as Error).message });
    if (!isAlive(p.pid)) dead.add(p.key);
  }
}

const order = (list: Peer[], round: number) => list.map((_, i) => list[(i + round) % list.length]);
if (Number(opt.busy) > 0) {
  startBusy(Number(opt.busy));
  header.push(`busy: ${opt.busy} processes spinning on the CPU at normal priority from the warm-up to the end (--busy); RSS was read before`);
}
if (warmup > 0) {
  say('warm-up ...');
  for (const w of chosen) for (const p of peers.filter((x) => w.paths[x.key])) await runOne(0, w, p, warmup, true);
}
for (let round = 1; round <= rounds; round++) {
  say(`round ${round}/${rounds} (load ${loadavg()}) ...`);
  for (const w of chosen) {
    for (const p of order(peers.filter((x) => w.paths[x.key]), round)) await runOne(round, w, p, duration, false);
  }
}
header.push(`load average at end: ${loadavg()}; ${((Date.now() - t0) / 60000).toFixed(1)} min`);
stopAll();
origin.stop();

const keys = (['imgflow', 'ipx', 'ipx-published', 'bare', 'nginx'] as PeerKey[]).filter((k) => peers.some((p) => p.key === k));
const out: string[] = [];
out.push('```', ...header, `IPX: ${ipxInstall.ok ? ipxInstall.version : ipxInstall.reason}; nginx: ${tools.nginx.ok ? tools.nginx.version : tools.nginx.reason}`);
if (Object.keys(imgflowEnv).length) out.push(`imgflow env: ${Object.entries(imgflowEnv).map(([k, v]) => `${k}=${v}`).join(' ')}`);
for (const [k, reason] of Object.entries(failed)) out.push(`NOT RUN: ${peerNames[k as PeerKey]}: ${reason}`);
for (const f of failures) out.push(`FAILED: round ${f.round}, ${f.workload}, ${peerNames[f.peer]}: ${f.reason}`);
for (const n of notes) out.push(`note: ${n}`);
out.push('```', '', '**Summary** (medians over the rounds; ratio: imgflow over the peer in the same round, lower is better for CPU, higher for req/s)', '');
out.push(summaryTable(chosen, rows, keys), '');
if (misses > 0) out.push('**Memory**', '', rssTable(rss, misses), '');
for (const w of chosen) out.push(workloadTable(w, rows, keys), '');
console.log(out.join('\n'));
const json = opt.json ?? `${scratch}/last.json`;
writeFileSync(json, JSON.stringify({ header, notes, failed, failures, rss, rows }, null, 2));
say(`raw figures in ${json.replace(root, '')}`);
