/**
 * Where the server's extra CPU per resize request goes, by thread: the same load as
 * bench/resize-cpu.ts (GET /graph/resize.webp?width=400 on the 2000x1500 JPEG, 2 in flight,
 * a new input URL each time) against bare sharp, in alternating rounds, with each process's
 * CPU split by thread name (/proc/<pid>/task/<tid>/stat): `main` (the event loop: HTTP server,
 * input fetch, routing, logging, sharp's JS), `node` (libuv's pool, where sharp runs a
 * pipeline, and V8's helper threads), `libvips worker`.
 *
 *   node --import tsx bench/resize-threads.ts [rounds=6] [per-round=100]
 *
 * Needs bench/out/test.jpg (bench/resize-cpu.ts makes it).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const rounds = Number(process.argv[2] ?? 6);
const perRound = Number(process.argv[3] ?? 100);
const root = fileURLToPath(new URL('..', import.meta.url));
const image = `${root}bench/out/test.jpg`;
const jpeg = readFileSync(image);
const TICK_MS = 10; // CLK_TCK is 100 on Linux

type Split = Record<string, number>;

/** CPU ms by thread group and user/system, e.g. `main user`, `libvips worker system`. */
function threads(pid: number): Split {
  const out: Split = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const name = tid === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, '').trim();
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out[`${name} user`] = (out[`${name} user`] ?? 0) + Number(fields[11]) * TICK_MS;
    out[`${name} system`] = (out[`${name} system`] ?? 0) + Number(fields[12]) * TICK_MS;
  }
  return out;
}

function addDiff(acc: Split, before: Split, after: Split): void {
  for (const [k, v] of Object.entries(after)) acc[k] = (acc[k] ?? 0) + v - (before[k] ?? 0);
}

const origin = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': jpeg.length });
  res.end(jpeg);
});
await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
const originPort = (origin.address() as AddressInfo).port;

const port = 19000 + Math.floor(Math.random() * 1000);
const startArgs = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')).scripts.start as string).split(' ').slice(1);
const server = spawn(process.execPath, startArgs, {
  cwd: root,
  env: { ...process.env, PORT: String(port), IMGFLOW_HOST: '127.0.0.1', IMGFLOW_ALLOW_PRIVATE_SOURCES: '1', IMGFLOW_CACHE_STORE: 'none', IMGFLOW_CACHE_DIR: `${root}bench/out/cache` },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const bare = spawn(process.execPath, ['--input-type=module', '-e', `
  import sharp from 'sharp'; import { readFileSync } from 'node:fs'; import { createInterface } from 'node:readline';
  const src = readFileSync(${JSON.stringify(image)});
  const one = () => sharp(src).resize(400).webp().toBuffer();
  const run = async (n) => { let next = 0; await Promise.all([0, 1].map(async () => { while (next < n) { next++; await one(); } })); };
  for await (const line of createInterface({ input: process.stdin })) { await run(Number(line)); process.stdout.write('done\\n'); }
`], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
const bareRun = (n: number) => new Promise<void>((r) => { bare.stdout!.once('data', () => r()); bare.stdin!.write(`${n}\n`); });

try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch { /* not up yet */ }
    if (i > 100) throw new Error('server did not come up');
    await new Promise((r) => setTimeout(r, 100));
  }
  let next = 0;
  const load = async (n: number) => {
    const end = next + n;
    await Promise.all([0, 1].map(async () => {
      while (next < end) {
        const input = encodeURIComponent(`http://127.0.0.1:${originPort}/test.jpg?v=${next++}`);
        const res = await fetch(`http://127.0.0.1:${port}/graph/resize.webp?width=400&input=${input}`);
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      }
    }));
  };
  await load(30);
  await bareRun(30);
  const serverCpu: Split = {}, bareCpu: Split = {};
  for (let r = 0; r < rounds; r++) {
    const s0 = threads(server.pid!);
    await load(perRound);
    addDiff(serverCpu, s0, threads(server.pid!));
    const b0 = threads(bare.pid!);
    await bareRun(perRound);
    addDiff(bareCpu, b0, threads(bare.pid!));
  }
  const n = rounds * perRound;
  const total = (s: Split) => Object.values(s).reduce((a, b) => a + b, 0) / n;
  console.log(`${n} requests / ops in ${rounds} alternating rounds; ms CPU per request`);
  console.log('| thread | server | bare sharp | server - bare |\n|---|---:|---:|---:|');
  for (const k of [...new Set([...Object.keys(serverCpu), ...Object.keys(bareCpu)])].sort()) {
    const s = (serverCpu[k] ?? 0) / n, b = (bareCpu[k] ?? 0) / n;
    console.log(`| ${k} | ${s.toFixed(2)} | ${b.toFixed(2)} | ${(s - b).toFixed(2)} |`);
  }
  console.log(`| total | ${total(serverCpu).toFixed(2)} | ${total(bareCpu).toFixed(2)} | ratio ${(total(serverCpu) / total(bareCpu)).toFixed(3)}x |`);
} finally {
  server.kill();
  bare.kill();
  origin.close();
}
