/**
 * Memory (issue 14, part 4): imgflow's RSS at start and after N misses with one memory user
 * switched off at a time, next to bare sharp's server, all in one run: the memory tier
 * (IMGFLOW_CACHE_MEMORY_MAX_BYTES=0), npm start's V8 flag (--initial-old-space-size), the
 * compute threads (IMGFLOW_COMPUTE_THREADS=0), glibc's malloc arenas (MALLOC_ARENA_MAX=2, with
 * IMGFLOW_VIPS_THREADS=1 since sharp gives libvips more threads when that variable is set).
 * libvips' operation cache is not a row: imgflow already turns it off (server/start.ts).
 *
 *   node --import tsx bench/rss-switches.ts [--misses 2000] [--concurrency 8] [--only default,...]
 *
 * Each server starts (from dist/: `npm run build` first), idles 3 s, RSS is read (VmRSS of the
 * process tree), then gets exactly N uncached resize-to-400-px-webp requests of the 2000x1500
 * JPEG (bench:compare's misses: node's fetch, a new input URL each), one server after the other,
 * and RSS is read again, with the peak (VmHWM). Markdown on stdout.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ensureImage, image } from './lib/resize-rig.ts';
import { sendMisses } from './compare/misses.ts';
import { processTree, treeRssBytes } from './compare/proc.ts';
import { root, startBare, startImgflow, startOrigin, stopAll, type ImgflowStart, type Started } from './compare/peers.ts';

const { values: opt } = parseArgs({
  options: {
    misses: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '8' },
    only: { type: 'string' },
  },
});
const misses = Number(opt.misses), concurrency = Number(opt.concurrency);

const rows: { name: string; env?: Record<string, string>; how?: ImgflowStart; bare?: true }[] = [
  { name: 'imgflow, default (npm start)' },
  { name: 'memory tier off', env: { IMGFLOW_CACHE_MEMORY_MAX_BYTES: '0' } },
  { name: 'without --initial-old-space-size', how: { withoutV8Flags: true } },
  { name: 'compute threads off', env: { IMGFLOW_COMPUTE_THREADS: '0' } },
  { name: 'MALLOC_ARENA_MAX=2', env: { MALLOC_ARENA_MAX: '2', IMGFLOW_VIPS_THREADS: '1' } },
  { name: 'all four off', env: { IMGFLOW_CACHE_MEMORY_MAX_BYTES: '0', IMGFLOW_COMPUTE_THREADS: '0', MALLOC_ARENA_MAX: '2', IMGFLOW_VIPS_THREADS: '1' }, how: { withoutV8Flags: true } },
  { name: 'bare sharp (bench/compare/servers)', bare: true },
];
const chosen = opt.only ? rows.filter((r, i) => opt.only!.split(',').includes(String(i)) || opt.only!.split(',').includes(r.name)) : rows;

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const mb = (b: number) => `${Math.round(b / 1e6)} MB`;
const hwm = (pid: number) => processTree(pid).reduce((a, p) => {
  try {
    return a + Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))![1]) * 1024;
  } catch {
    return a;
  }
}, 0);
process.on('exit', stopAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { stopAll(); process.exit(130); });

await ensureImage();
const origin = await startOrigin(image);
const e = encodeURIComponent;
const load0 = loadavg();
const out: string[] = [];
try {
  for (const [i, row] of chosen.entries()) {
    const started: Started = row.bare
      ? await startBare([], row.env)
      : await startImgflow(`${root}bench/out/rss-switches`, row.env ?? {}, { name: `imgflow-${i}`, ...row.how });
    if (!started.ok) throw new Error(`${row.name} did not start: ${started.reason}`);
    const { peer } = started;
    await new Promise((r) => setTimeout(r, 3000));
    const atStart = treeRssBytes(peer.pid);
    const path = row.bare ? (n: number) => `/resize?w=400&f=webp&input=${e(`${origin.base}/test.jpg?v=rss${i}-${n}`)}` : (n: number) => `/graph/resize.webp?width=400&input=${e(`${origin.base}/test.jpg?v=rss${i}-${n}`)}`;
    const t0 = performance.now();
    const sent = await sendMisses((n) => `${peer.base}${path(n)}`, misses, concurrency);
    const secs = (performance.now() - t0) / 1000;
    if (sent.failed) throw new Error(`${row.name}: ${sent.failed} misses failed (${sent.firstError})`);
    const after = treeRssBytes(peer.pid);
    out.push(`| ${row.name} | ${mb(atStart)} | ${mb(after)} | ${mb(hwm(peer.pid))} | ${(misses / secs).toFixed(1)} |`);
    console.error(`rss-switches: ${out[out.length - 1]} (load ${loadavg()})`);
    peer.stop();
  }
  console.log(`\`node --import tsx bench/rss-switches.ts ${process.argv.slice(2).join(' ')}\`, ${new Date().toISOString()}, load ${load0} at start, ${loadavg()} at end; ${misses} misses per server, ${concurrency} at a time\n`);
  console.log(`| server | RSS at start | after ${misses} misses | peak (VmHWM) | misses/s |\n|---|---|---|---|---|`);
  for (const line of out) console.log(line);
} finally {
  stopAll();
  origin.stop();
}
