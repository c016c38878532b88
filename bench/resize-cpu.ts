/**
 * Server CPU per request for GET /graph/resize.webp?width=400 on a 2000x1500 JPEG, against
 * bare sharp doing the same resize + encode in-process. Each side runs in its own process and
 * is charged its own CPU time (utime + stime from /proc, all threads), so the load generator
 * and the origin are never counted.
 *
 *   node --import tsx bench/resize-cpu.ts [requests=300] [concurrency=2] [warmup=2000]
 *
 * The first `warmup` requests are not measured: V8 keeps compiling the request path for the
 * first few thousand requests (with --trace-opt: 205 ms of TurboFan compiles per 300 requests
 * at start, 21-86 ms after 3000), a one-time cost a long-running server amortises. Pass 20 for
 * the figure with the JIT still warming up.
 *
 * Every request uses a distinct input URL (?v=N), so the result cache never answers: this
 * measures processing, not cache hits (bench/cache-hit for those).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const requests = Number(process.argv[2] ?? 300);
const concurrency = Number(process.argv[3] ?? 2);
const warmup = Number(process.argv[4] ?? 2000);
const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = `${root}bench/out`;
const image = `${outDir}/test.jpg`;
const TICK_MS = 1000 / 100; // CLK_TCK is 100 on Linux
/** The server starts exactly as `npm start` starts it (its node flags included). */
const startArgs = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')).scripts.start as string).split(' ').slice(1);

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime + stime
}

async function waitFor(url: string, tries = 100): Promise<void> {
  for (let i = 0; i < tries; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

async function pool(n: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => { while (next < n) await task(next++); }));
}

function ensureImage(): void {
  mkdirSync(outDir, { recursive: true });
  if (existsSync(image)) return;
  // The shared generator imports sharp: run a copy from inside the repo so it resolves.
  copyFileSync(`${root}../shared/peer-bench/mkimg.mjs`, `${outDir}/mkimg.mjs`);
  const r = spawn(process.execPath, [`${outDir}/mkimg.mjs`, image], { stdio: 'inherit' });
  return void r;
}

async function main(): Promise<void> {
  ensureImage();
  while (!existsSync(image)) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 300));
  const jpeg = readFileSync(image);

  // Like a static file server or S3: a Content-Length, so the body is read into one buffer.
  const origin = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': jpeg.length }); res.end(jpeg); });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  const originPort = (origin.address() as AddressInfo).port;

  const port = 18000 + Math.floor(Math.random() * 1000);
  const server: ChildProcess = spawn(process.execPath, startArgs, {
    cwd: root,
    env: {
      ...process.env, PORT: String(port), IMGFLOW_HOST: '127.0.0.1', IMGFLOW_ALLOW_PRIVATE_SOURCES: '1',
      IMGFLOW_CACHE_STORE: 'none', IMGFLOW_CACHE_DIR: `${outDir}/cache`,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitFor(`${base}/healthz`);
    const url = (i: number) => `${base}/graph/resize.webp?width=400&input=${encodeURIComponent(`http://127.0.0.1:${originPort}/test.jpg?v=${i}`)}`;
    let bytes = 0;
    const hit = async (i: number) => {
      const res = await fetch(url(i));
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
      bytes = (await res.arrayBuffer()).byteLength;
    };
    await pool(warmup, concurrency, (i) => hit(1e6 + i)); // warm-up: JIT, sharp, keep-alive

    // Bare sharp, same work, in its own process so its CPU is measured the same way. It runs
    // `n` ops each time it reads a number on stdin and answers 'done'.
    const bare = spawn(process.execPath, ['--input-type=module', '-e', `
      import sharp from 'sharp'; import { readFileSync } from 'node:fs'; import { createInterface } from 'node:readline';
      const src = readFileSync(${JSON.stringify(image)});
      const one = () => sharp(src).resize(400).webp().toBuffer();
      const run = async (n) => { let next = 0; await Promise.all(Array.from({ length: ${concurrency} }, async () => { while (next < n) { next++; await one(); } })); };
      for await (const line of createInterface({ input: process.stdin })) { await run(Number(line)); process.stdout.write('done\\n'); }
    `], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
    const bareRun = (n: number) => new Promise<void>((r) => { bare.stdout!.once('data', () => r()); bare.stdin!.write(`${n}\n`); });
    await bareRun(20);

    // Alternate blocks of server requests and bare operations: this VM drifts between faster
    // and slower phases by up to 10%, and alternating puts both sides in the same phases.
    const rounds = 6, block = Math.ceil(requests / rounds);
    let serverTotal = 0, bareTotal = 0, next = 0;
    const ratios: number[] = [];
    const t0 = performance.now();
    for (let r = 0; r < rounds; r++) {
      const c0 = cpuMs(server.pid!);
      const first = next;
      await pool(block, concurrency, (i) => hit(first + i));
      next += block;
      const s = cpuMs(server.pid!) - c0;
      const b0 = cpuMs(bare.pid!);
      await bareRun(block);
      const b = cpuMs(bare.pid!) - b0;
      serverTotal += s;
      bareTotal += b;
      ratios.push(s / b);
    }
    const wall = performance.now() - t0;
    bare.kill();
    const n = rounds * block;
    ratios.sort((a, b) => a - b);
    console.log(`machine: ${cpus().length} x ${cpus()[0].model}; node ${process.version}; ${n} requests in ${rounds} alternating rounds after ${warmup} warm-up requests, concurrency ${concurrency}, output ${bytes} B`);
    console.log(`imgflow server: ${(serverTotal / n).toFixed(2)} ms CPU/request`);
    console.log(`bare sharp:     ${(bareTotal / n).toFixed(2)} ms CPU/op`);
    console.log(`per-round ratios: ${ratios.map((x) => x.toFixed(3)).join(' ')} (median ${((ratios[2] + ratios[3]) / 2).toFixed(3)})`);
    console.log(`ratio:          ${(serverTotal / bareTotal).toFixed(3)}x (target <= 1.10x; IPX measured 1.17x); ${(wall / 1000).toFixed(0)} s`);
  } finally {
    server.kill();
    origin.close();
  }
}

await main();
