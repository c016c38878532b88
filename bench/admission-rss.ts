/**
 * Server RSS under 30 concurrent requests whose inputs are 20 MB each, past the queue.
 *
 *   node --import tsx bench/admission-rss.ts [--requests 30] [--concurrency 4] [--queue 8] [--input-mb 20] [--root .]
 *
 * Starts an origin here serving one ~20 MB PNG under distinct paths (so every request is a
 * distinct cache key), starts the server as a child process (`npm start`'s command, run in
 * --root, result cache off), samples its RSS from /proc/<pid>/status every 10 ms while the
 * requests run, and prints the peak against (concurrency + queue) x IMGFLOW_MAX_INPUT_BYTES
 * + 300 MB, the answers by status and how many inputs the origin served. Linux only; not
 * part of npm test.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { settings } from '../server/config.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '4' },
    queue: { type: 'string', default: '8' },
    'input-mb': { type: 'string', default: '20' },
    root: { type: 'string', default: '.' },
  },
});
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const queue = Number(values.queue);
const maxInputBytes = settings.maxInputBytes.default;
const MB = 1e6;

/** A noise PNG of about `bytes` (noise barely compresses). */
async function bigPng(bytes: number): Promise<Buffer> {
  const side = Math.ceil(Math.sqrt(bytes / 3));
  const raw = randomBytes(side * side * 3);
  return sharp(raw, { raw: { width: side, height: side, channels: 3 } }).png({ compressionLevel: 1 }).toBuffer();
}

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const png = await bigPng(Number(values['input-mb']) * MB);
const hits = new Map<string, number>();
const origin = http.createServer((req, res) => {
  hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
  res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length }).end(png);
});
await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
const originPort = (origin.address() as AddressInfo).port;

const port = await freePort();
const root = resolve(values.root!);
const child = spawn(process.execPath, ['--initial-old-space-size=128', '--import', 'tsx', 'server/main.ts'], {
  cwd: root,
  stdio: 'ignore',
  env: {
    ...process.env,
    PORT: String(port),
    IMGFLOW_HOST: '127.0.0.1',
    IMGFLOW_ALLOW_PRIVATE_SOURCES: '1',
    IMGFLOW_CONCURRENCY: String(concurrency),
    IMGFLOW_MAX_QUEUE: String(queue),
    IMGFLOW_CACHE_STORE: 'none',
    IMGFLOW_LOG_LEVEL: 'warn',
  },
});
const base = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* not up yet */ }
    if (i > 300) throw new Error('server did not start');
    await sleep(100);
  }
  await sleep(500);
  const baseline = rssMB(child.pid!);
  let peak = baseline;
  const sampler = setInterval(() => { peak = Math.max(peak, rssMB(child.pid!)); }, 10);
  const t0 = performance.now();
  const statuses = await Promise.all(Array.from({ length: requests }, async (_, i) => {
    const r = await fetch(`${base}/graph/passthrough.jpg?input=${encodeURIComponent(`http://127.0.0.1:${originPort}/in/${i}`)}`);
    await r.arrayBuffer();
    return r.status;
  }));
  const seconds = (performance.now() - t0) / 1000;
  await sleep(100);
  clearInterval(sampler);
  const byStatus = new Map<number, number>();
  for (const s of statuses) byStatus.set(s, (byStatus.get(s) ?? 0) + 1);
  const bound = ((concurrency + queue) * maxInputBytes) / (1024 * 1024) + 300;
  console.log(`input ${(png.length / MB).toFixed(1)} MB x ${requests} requests, concurrency ${concurrency}, queue ${queue}, root ${root}`);
  console.log(`answers: ${[...byStatus].map(([s, n]) => `${n} x ${s}`).join(', ')} in ${seconds.toFixed(1)} s; origin served ${[...hits.values()].reduce((a, b) => a + b, 0)} inputs`);
  console.log(`RSS: ${baseline.toFixed(0)} MiB idle -> ${peak.toFixed(0)} MiB peak; bound (C+Q) x ${maxInputBytes / (1024 * 1024)} MiB + 300 = ${bound.toFixed(0)} MiB: ${peak <= bound ? 'within' : 'OVER'}`);
} finally {
  child.kill('SIGTERM');
  origin.close();
}
