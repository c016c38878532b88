/**
 * Where a cached hit and a 304 spend their main-thread time (issue 14, part 2): imgflow as
 * `npm start` runs it, under `node --cpu-prof`, one hit URL answered from the memory tier by
 * server/hot-hits, wrk -t1 -c64 on it (then with If-None-Match), the samples inside each run
 * charged to categories by their stack (bench/lib/cpu-profile.ts). The profiler slows the
 * server: read the shares, not the absolute figures.
 *
 *   node --import tsx bench/hit-profile.ts [--duration 5] [--connections 64]
 */
import { readdirSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { attribute, type Rule } from './lib/cpu-profile.ts';
import { ensureImage, image } from './lib/resize-rig.ts';
import { treeCpuMs, waitSettled } from './compare/proc.ts';
import { root, startImgflow, startOrigin, stopAll } from './compare/peers.ts';
import { runWrk } from './compare/wrk.ts';

const { values: opt } = parseArgs({ options: { duration: { type: 'string', default: '5' }, connections: { type: 'string', default: '64' } } });
const duration = Number(opt.duration), connections = Number(opt.connections);

const rules: Rule[] = [
  { name: 'GC', frame: (fn) => fn === '(garbage collector)' },
  { name: 'request log (per-second summary)', frame: (_f, u) => /\/server\/request-log|\/node_modules\/(pino|sonic-boom)\//.test(u) },
  { name: 'metrics', frame: (_f, u) => /\/server\/metrics/.test(u) },
  { name: 'hot-hits lookup and checks (ours)', frame: (fn, u) => /\/server\/hot-hits\//.test(u) && fn !== 'serve' },
  { name: 'memory tier (LRU)', frame: (_f, u) => /\/server\/cache\/|lru-cache/.test(u) },
  { name: 'ETag match (routes/graph)', frame: (_f, u) => /\/server\/routes\/graph/.test(u) },
  { name: 'response: writeHead / end / socket write (node:http)', frame: (fn, u) => /^node:_http_outgoing|^node:_http_server/.test(u) && /writeHead|end|_storeHeader|_send|_writeRaw|write_|processHeader/.test(fn) },
  { name: 'hot-hits serve itself', frame: (fn, u) => /\/server\/hot-hits\//.test(u) },
  { name: 'fastify (the request event it wraps)', frame: (_f, u) => /\/node_modules\/(fastify|find-my-way|avvio)/.test(u) },
  { name: 'imgflow server code (other)', frame: (_f, u) => /\/server\//.test(u) },
  { name: 'node:http parser, sockets, streams', frame: (_f, u) => /^node:/.test(u) },
  { name: 'native, not attributed to JS ((program))', frame: (fn) => fn === '(program)' },
];

process.on('exit', stopAll);
await ensureImage();
const origin = await startOrigin(image);
const profDir = `${root}bench/out/hit-profile`;
rmSync(profDir, { recursive: true, force: true });
try {
  const s = await startImgflow(`${root}bench/out/hit-profile-scratch`, {}, { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profDir}`], name: 'imgflow-hit' });
  if (!s.ok) throw new Error(s.reason);
  const url = `${s.peer.base}/graph/resize.webp?width=400&input=${encodeURIComponent(`${origin.base}/test.jpg?v=hit`)}`;
  const first = await fetch(url);
  await first.arrayBuffer();
  const etag = first.headers.get('etag')!;
  const windows: Record<string, [number, number][]> = { hit: [], '304': [] };
  const counts: Record<string, number> = {}, cpu: Record<string, number> = {};
  for (const kind of ['hit', '304', 'hit', '304']) {
    const headers = kind === '304' ? [`If-None-Match: ${etag}`] : [];
    await runWrk({ url, connections, seconds: 2, headers }); // warm-up of this kind
    await waitSettled(s.peer.pid);
    const c0 = treeCpuMs(s.peer.pid), w0 = Number(process.hrtime.bigint() / 1000n);
    const r = await runWrk({ url, connections, seconds: duration, headers });
    await waitSettled(s.peer.pid);
    windows[kind].push([w0, Number(process.hrtime.bigint() / 1000n)]);
    counts[kind] = (counts[kind] ?? 0) + r.requests;
    cpu[kind] = (cpu[kind] ?? 0) + treeCpuMs(s.peer.pid) - c0;
  }
  s.peer.stop();
  for (let i = 0; i < 100; i++) {
    try { process.kill(s.peer.pid, 0); } catch { break; }
    await new Promise((r) => setTimeout(r, 100));
  }
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'))!;
  console.log(`\`node --import tsx bench/hit-profile.ts ${process.argv.slice(2).join(' ')}\`, ${new Date().toISOString()}; wrk -t1 -c${connections}, 2 x ${duration} s per kind, under --cpu-prof\n`);
  const results = Object.keys(windows).map((k) => ({ k, a: attribute(`${profDir}/${file}`, windows[k], rules), n: counts[k] }));
  console.log(`| category (µs per request) | ${results.map((r) => r.k).join(' | ')} |\n|---|---:|---:|`);
  const cats = [...new Set(results.flatMap((r) => [...r.a.byCategory.keys()]))].sort((a, b) => (results[0].a.byCategory.get(b) ?? 0) - (results[0].a.byCategory.get(a) ?? 0));
  for (const c of cats) console.log(`| ${c} | ${results.map((r) => ((r.a.byCategory.get(c) ?? 0) / r.n * 1000).toFixed(1)).join(' | ')} |`);
  console.log(`| main thread busy (sampled) | ${results.map((r) => (r.a.busyMs / r.n * 1000).toFixed(1)).join(' | ')} |`);
  console.log(`| process CPU from /proc (profiler included) | ${results.map((r) => (cpu[r.k] / r.n * 1000).toFixed(1)).join(' | ')} |`);
  for (const r of results) {
    console.log(`\nTop self time, ${r.k} (µs per request): ${r.a.topSelf.slice(0, 12).map(([name, v]) => `${(v / r.n * 1000).toFixed(1)} ${name}`).join('; ')}`);
  }
} finally {
  stopAll();
  origin.stop();
}
