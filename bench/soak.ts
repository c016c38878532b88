/**
 * Soak: the server at saturation for a long stretch with a mix of cache hits, misses, heavy
 * kernel graphs and bad requests, while a probe measures /healthz and a cache hit.
 *
 *   node --import tsx bench/soak.ts [--duration 600] [--connections 32] [--without heavy,miss]
 *
 * Starts a local origin (images made here with sharp) and the server as `npm start` starts it
 * (disk cache under bench/out/soak-cache, private sources allowed for the loopback origin),
 * loads it with autocannon from 127.0.0.1, and samples the server's RSS from /proc every
 * second. Prints per-minute /healthz and hit p99, the status codes per kind of request, and
 * writes bench/out/soak.json and the RSS chart bench/soak-rss.png. Not part of npm test.
 */
import autocannon from 'autocannon';
import { rmSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { outDir, root, startServer } from './lib/resize-rig.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '600' },
    connections: { type: 'string', default: '32' },
    // Kinds of request to leave out of the mix (comma-separated), to see what a trend comes from.
    without: { type: 'string', default: '' },
  },
});
const durationS = Number(values.duration);
const connections = Number(values.connections);

function noise(width: number, height: number, seed: number): Buffer {
  const buf = Buffer.alloc(width * height * 3);
  let s = seed >>> 0;
  for (let i = 0; i < buf.length; i += 3) {
    s = (s * 1103515245 + 12345) >>> 0;
    const p = i / 3;
    buf[i] = ((p % width) * 200 / width + (s >>> 26)) & 255;
    buf[i + 1] = (Math.floor(p / width) * 200 / height + (s >>> 27)) & 255;
    buf[i + 2] = (s >>> 24) & 255;
  }
  return buf;
}

const photo = await sharp(noise(1600, 1067, 1), { raw: { width: 1600, height: 1067, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
const heavy = await sharp(noise(800, 533, 2), { raw: { width: 800, height: 533, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');

const origin = createServer((req, res) => {
  const path = (req.url ?? '').split('?')[0];
  const body = path === '/photo.jpg' ? photo : path === '/heavy.jpg' ? heavy : path === '/vector.svg' ? svg : undefined;
  if (!body) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
});
await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
const o = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
const enc = encodeURIComponent;

const cacheDir = `${outDir}/soak-cache`;
rmSync(cacheDir, { recursive: true, force: true });
const server = await startServer({ env: { IMGFLOW_CACHE_STORE: 'disk', IMGFLOW_CACHE_DIR: cacheDir, IMGFLOW_LOG_LEVEL: 'warn' } });
const pid = server.process.pid!;
const { base } = server;

const HITS = Array.from({ length: 16 }, (_, i) => `/graph/resize.webp?width=${200 + 10 * i}&input=${enc(`${o}/photo.jpg`)}`);
for (const url of HITS) if ((await fetch(base + url)).status !== 200) throw new Error(`warm-up of ${url} failed`);

let seq = 0;
/** Request kinds, weights and URL makers: a miss or heavy request never repeats its input. */
const LEFT_OUT = new Set(values.without.split(',').filter(Boolean));
const KINDS = ([
  { kind: 'hit', weight: 50, url: () => HITS[seq++ % HITS.length] },
  { kind: 'miss', weight: 25, url: () => `/graph/resize.webp?width=400&input=${enc(`${o}/photo.jpg?v=${seq++}`)}` },
  { kind: 'heavy', weight: 5, url: () => `/graph/motionblur.jpg?length=48&angle=30&input=${enc(`${o}/heavy.jpg?v=${seq++}`)}` },
  { kind: 'bad-param', weight: 5, url: () => `/graph/gaussianblur.png?std-dev-x=abc&input=${enc(`${o}/photo.jpg`)}` },
  { kind: 'proto-name', weight: 5, url: () => `/graph/passthrough.png?constructor=1&input=${enc(`${o}/photo.jpg`)}` },
  { kind: 'svg-input', weight: 4, url: () => `/graph/passthrough.png?input=${enc(`${o}/vector.svg?v=${seq++}`)}` },
  { kind: 'missing-input', weight: 3, url: () => '/graph/resize.png?width=10' },
  { kind: 'unknown-graph', weight: 3, url: () => '/graph/nope.png' },
] as const).filter((k) => !LEFT_OUT.has(k.kind));
const totalWeight = KINDS.reduce((s, k) => s + k.weight, 0);
const statuses = new Map<string, Map<number, number>>();
function pick(): (typeof KINDS)[number] {
  let r = Math.random() * totalWeight;
  for (const k of KINDS) if ((r -= k.weight) < 0) return k;
  return KINDS[0];
}

interface Sample { t: number; ms: number }
const healthz: Sample[] = [];
const hitProbe: Sample[] = [];
const rss: { t: number; mb: number }[] = [];
const t0 = Date.now();
let running = true;

async function probe(): Promise<void> {
  while (running) {
    for (const [url, into] of [['/healthz', healthz], [HITS[0], hitProbe]] as const) {
      const s = performance.now();
      try {
        const res = await fetch(base + url, { signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        into.push({ t: (Date.now() - t0) / 1000, ms: performance.now() - s });
      } catch {
        into.push({ t: (Date.now() - t0) / 1000, ms: 10_000 });
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
const rssTimer = setInterval(() => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m) rss.push({ t: (Date.now() - t0) / 1000, mb: Number(m[1]) / 1024 });
}, 1000);
const probing = probe();

const result = await autocannon({
  url: base,
  connections,
  duration: durationS,
  timeout: 60,
  requests: [{
    setupRequest: (req: Record<string, unknown>, context: Record<string, unknown>) => {
      const k = pick();
      context.kind = k.kind;
      return { ...req, method: 'GET', path: k.url() };
    },
    onResponse: (status: number, _body: unknown, context: Record<string, unknown>) => {
      const kind = String(context.kind);
      const m = statuses.get(kind) ?? new Map<number, number>();
      m.set(status, (m.get(status) ?? 0) + 1);
      statuses.set(kind, m);
    },
  }],
} as autocannon.Options);
running = false;
await probing;
clearInterval(rssTimer);
server.process.kill('SIGTERM');
origin.close();

const p = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
};
const minutes = Math.ceil(durationS / 60);
console.log(`soak: ${durationS} s, ${connections} connections, ${result.requests.total} requests (${result.requests.average.toFixed(0)} req/s), errors ${result.errors}, timeouts ${result.timeouts}`);
console.log('minute  healthz p50/p99 ms   hit p50/p99 ms   RSS max MB');
for (let m = 0; m < minutes; m++) {
  const inMin = (s: { t: number }) => s.t >= m * 60 && s.t < (m + 1) * 60;
  const h = healthz.filter(inMin).map((s) => s.ms);
  const c = hitProbe.filter(inMin).map((s) => s.ms);
  const r = rss.filter(inMin).map((s) => s.mb);
  console.log(`${String(m + 1).padStart(6)}  ${p(h, 0.5).toFixed(1).padStart(7)} / ${p(h, 0.99).toFixed(1).padStart(6)}   ${p(c, 0.5).toFixed(1).padStart(6)} / ${p(c, 0.99).toFixed(1).padStart(6)}   ${Math.max(...r).toFixed(0).padStart(6)}`);
}
const all = (xs: Sample[]) => xs.map((s) => s.ms);
console.log(`whole run: healthz p99 ${p(all(healthz), 0.99).toFixed(1)} ms (max ${Math.max(...all(healthz)).toFixed(1)}), hit probe p99 ${p(all(hitProbe), 0.99).toFixed(1)} ms; load-generator p99 over all kinds ${result.latency.p99} ms`);
let unexpected = 0;
for (const [kind, m] of statuses) {
  const line = [...m].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`).join(', ');
  for (const [s, n] of m) if (s >= 500 && s !== 503) unexpected += n;
  console.log(`  ${kind.padEnd(14)} ${line}`);
}
console.log(`5xx other than 503: ${unexpected}`);
console.log(`RSS: start ${rss[0]?.mb.toFixed(0)} MB, max ${Math.max(...rss.map((r) => r.mb)).toFixed(0)} MB, end ${rss.at(-1)?.mb.toFixed(0)} MB`);

writeFileSync(`${outDir}/soak.json`, JSON.stringify({ durationS, connections, statuses: Object.fromEntries([...statuses].map(([k, m]) => [k, Object.fromEntries(m)])), healthz, hitProbe, rss }, null, 1));

// The chart: RSS (MB) and the /healthz probe's latency over time, as SVG rendered by sharp.
const W = 900, H = 360, L = 60, B = 40;
const maxMb = Math.max(100, ...rss.map((r) => r.mb)) * 1.1;
const maxMs = Math.max(50, ...all(healthz)) * 1.1;
const x = (t: number) => L + (t / durationS) * (W - L - 20);
const yMb = (mb: number) => H - B - (mb / maxMb) * (H - B - 30);
const yMs = (ms: number) => H - B - (ms / maxMs) * (H - B - 30);
const line = (pts: [number, number][], colour: string) => `<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>`;
const chart = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${L}" y="18">imgflow soak: server RSS (blue, MB, left axis) and /healthz latency (orange, ms, right axis); ${connections} connections, ${durationS} s</text>
<line x1="${L}" y1="${H - B}" x2="${W - 20}" y2="${H - B}" stroke="black"/><line x1="${L}" y1="30" x2="${L}" y2="${H - B}" stroke="black"/>
${[0, 0.25, 0.5, 0.75, 1].map((f) => `<text x="${L - 6}" y="${yMb(f * maxMb) + 4}" text-anchor="end">${(f * maxMb).toFixed(0)}</text><text x="${W - 16}" y="${yMs(f * maxMs) + 4}">${(f * maxMs).toFixed(0)}</text>`).join('')}
${Array.from({ length: minutes + 1 }, (_, m) => `<text x="${x(m * 60)}" y="${H - B + 16}" text-anchor="middle">${m}m</text>`).join('')}
${line(healthz.map((s) => [x(s.t), yMs(s.ms)]), '#e67e22')}
${line(rss.map((r) => [x(r.t), yMb(r.mb)]), '#2c6fbb')}
</svg>`;
await sharp(Buffer.from(chart)).png().toFile(`${root}bench/soak-rss.png`);
console.log('chart: bench/soak-rss.png; samples: bench/out/soak.json');
