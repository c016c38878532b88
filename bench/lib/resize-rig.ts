/**
 * The resize benchmarks' common parts (resize-cpu, resize-threads, gc-windows): the 2000x1500
 * photo-like JPEG (bench/lib/photo-like.ts), a local origin serving it, the server started the
 * way `npm start` starts it, the request load, and bare sharp doing the same work in a process
 * of its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { photoLikeJpeg } from './photo-like.ts';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const outDir = `${root}bench/out`;
export const image = `${outDir}/test.jpg`;

/** Generates bench/out/test.jpg once (1.16 MB). */
export async function ensureImage(): Promise<Buffer> {
  mkdirSync(outDir, { recursive: true });
  if (!existsSync(image)) writeFileSync(image, await photoLikeJpeg(2000, 1500));
  return readFileSync(image);
}

/** Like a static file server or S3: a Content-Length, so the body is read into one buffer. */
export async function startOrigin(jpeg: Buffer): Promise<{ port: number; close(): void }> {
  const origin = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': jpeg.length });
    res.end(jpeg);
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  return { port: (origin.address() as AddressInfo).port, close: () => origin.close() };
}

export interface BenchServer { process: ChildProcess; base: string }

/**
 * The server as `npm start` starts it (its node flags included unless `withoutStartFlags`),
 * plus `extraFlags`, on a
 * random port, result cache off so every request processes. Resolves once /healthz answers.
 */
export async function startServer(opts: { extraFlags?: string[]; withoutStartFlags?: boolean; env?: NodeJS.ProcessEnv; stdout?: 'ignore' | 'pipe' } = {}): Promise<BenchServer> {
  let startArgs = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')).scripts.start as string).split(' ').slice(1);
  // V8 flags are the `--name=value` ones. `npm start` runs dist/: `npm run build` first.
  if (opts.withoutStartFlags) startArgs = startArgs.filter((a) => !/^--[\w-]+=/.test(a));
  const port = 18000 + Math.floor(Math.random() * 2000);
  const child = spawn(process.execPath, [...(opts.extraFlags ?? []), ...startArgs], {
    cwd: root,
    env: {
      ...process.env, PORT: String(port), IMGFLOW_HOST: '127.0.0.1', IMGFLOW_ALLOW_PRIVATE_SOURCES: '1',
      IMGFLOW_CACHE_STORE: 'none', IMGFLOW_CACHE_DIR: `${outDir}/cache`, ...opts.env,
    },
    stdio: ['ignore', opts.stdout ?? 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  // A server that does not come up is killed here: the caller never gets its handle to kill.
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the server exited (${child.exitCode ?? child.signalCode}) before answering /healthz`);
      try {
        if ((await fetch(`${base}/healthz`)).ok) break;
      } catch { /* not up yet */ }
      // 30 s: a machine shared with other work can take that long to load the server.
      if (i > 300) throw new Error('the server did not come up');
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    child.kill();
    throw err;
  }
  return { process: child, base };
}

/**
 * `load(n)` sends n more `GET /graph/resize.webp?width=400` requests, `concurrency` in flight,
 * each with a new input URL (?v=N) so the result cache never answers. Returns the last body size.
 */
export function resizeLoad(base: string, originPort: number, concurrency: number): (n: number) => Promise<number> {
  let next = 0;
  let bytes = 0;
  return async (n) => {
    const end = next + n;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < end) {
        const input = encodeURIComponent(`http://127.0.0.1:${originPort}/test.jpg?v=${next++}`);
        const res = await fetch(`${base}/graph/resize.webp?width=400&input=${input}`);
        if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
        bytes = (await res.arrayBuffer()).byteLength;
      }
    }));
    return bytes;
  };
}

/**
 * Bare sharp doing the same resize + encode, `concurrency` at a time, in its own process so its
 * CPU is measured the same way: `run(n)` has it do n operations.
 */
export function startBare(concurrency: number): { process: ChildProcess; run(n: number): Promise<void> } {
  const child = spawn(process.execPath, ['--input-type=module', '-e', `
    import sharp from 'sharp'; import { readFileSync } from 'node:fs'; import { createInterface } from 'node:readline';
    const src = readFileSync(${JSON.stringify(image)});
    const one = () => sharp(src).resize(400).webp().toBuffer();
    const run = async (n) => { let next = 0; await Promise.all(Array.from({ length: ${concurrency} }, async () => { while (next < n) { next++; await one(); } })); };
    for await (const line of createInterface({ input: process.stdin })) { await run(Number(line)); process.stdout.write('done\\n'); }
  `], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const run = (n: number) => new Promise<void>((r) => { child.stdout!.once('data', () => r()); child.stdin!.write(`${n}\n`); });
  return { process: child, run };
}

/** A process's (or one thread's) user and system CPU ms from /proc. */
export function procCpuMs(statPath: string): { user: number; system: number } {
  const stat = readFileSync(statPath, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 }; // CLK_TCK is 100 on Linux
}
