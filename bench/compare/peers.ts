/**
 * The servers compared, each started on 127.0.0.1 in a process of its own so /proc charges it
 * its own CPU: imgflow as `npm start` runs it, IPX twice (on imgflow's sharp and on its own),
 * bare sharp, and nginx proxy_cache in front of imgflow. A peer that does not come up is
 * returned as a failure with the reason; the others still run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
const serversDir = fileURLToPath(new URL('servers/', import.meta.url));

export type PeerKey = 'imgflow' | 'ipx' | 'ipx-published' | 'bare' | 'nginx';

export const peerNames: Record<PeerKey, string> = {
  imgflow: 'imgflow',
  ipx: 'IPX on imgflow\'s sharp',
  'ipx-published': 'IPX as published',
  bare: 'bare sharp',
  nginx: 'nginx proxy_cache',
};

export interface Peer {
  key: PeerKey;
  pid: number;
  base: string;
  stop(): void;
  /** The last lines the process wrote on stderr (for a failure report). */
  stderrTail(): string;
}

export type Started = { ok: true; peer: Peer } | { ok: false; key: PeerKey; reason: string };

/** Every child this module started, so an exit (normal, error or signal) stops them all. */
const children = new Set<ChildProcess>();
export function stopAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  children.clear();
}

function track(child: ChildProcess): { tail: () => string } {
  children.add(child);
  child.on('exit', () => children.delete(child));
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => (tail = (tail + d).slice(-2000)));
  return { tail: () => tail.trim() };
}

/** A port nothing listens on now (for servers that cannot be told to pick their own). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `url` until it answers `expect` (or the child dies, or `timeoutMs` passes). */
async function waitReady(child: ChildProcess, url: string, expect: (status: number) => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode}) before answering`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (expect(res.status)) return;
    } catch { /* not up yet */ }
    if (Date.now() - t0 > timeoutMs) throw new Error(`no answer from ${url} within ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

/** For the .mjs servers here: they print their port on the first line of stdout. */
function portFromStdout(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`printed no port within ${timeoutMs / 1000} s`)), timeoutMs);
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d;
      const m = /^(\d+)\n/.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code ?? signal}) before printing its port`));
    });
  });
}

async function started(key: PeerKey, child: ChildProcess, tail: () => string, ready: () => Promise<string>): Promise<Started> {
  try {
    const base = await ready();
    return {
      ok: true,
      peer: { key, pid: child.pid!, base, stop: () => child.kill('SIGTERM'), stderrTail: tail },
    };
  } catch (err) {
    child.kill('SIGKILL');
    const t = tail();
    return { ok: false, key, reason: `${(err as Error).message}${t ? `; stderr: ${t.split('\n').slice(-3).join(' / ')}` : ''}` };
  }
}

const TIMEOUT_MS = 60_000; // start-up on a loaded 2-core machine

/**
 * imgflow from dist/ with `npm start`'s node flags, its default configuration except what a
 * bench on loopback needs (address, private sources, a cache directory of its own, emptied
 * here) and `env` (--imgflow-env). Logs go to /dev/null: written, as in production, not kept.
 */
export interface ImgflowStart {
  /** Node flags before npm start's (--cpu-prof ...). */
  nodeFlags?: string[];
  /** Names the cache directory, so several imgflow processes can run at once. */
  name?: string;
  /** Another build of imgflow (an earlier commit's dist/ copied aside) to measure side by side. */
  distDir?: string;
  /** Leave out npm start's V8 flags (--initial-old-space-size). */
  withoutV8Flags?: boolean;
}

export async function startImgflow(scratch: string, env: Record<string, string>, how: ImgflowStart = {}): Promise<Started> {
  const { nodeFlags = [], name = 'imgflow', distDir = 'dist' } = how;
  const startArgs = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')).scripts.start as string).split(' ').slice(1)
    .filter((a) => !(how.withoutV8Flags && /^--[\w-]+=/.test(a)));
  const flags = [...nodeFlags, ...startArgs.map((a) => a.replace(/^dist\//, `${distDir}/`))];
  const port = await freePort();
  const cacheDir = `${scratch}/${name}-cache`;
  rmSync(cacheDir, { recursive: true, force: true });
  const child = spawn(process.execPath, flags, {
    cwd: root,
    env: {
      ...process.env, PORT: String(port), IMGFLOW_HOST: '127.0.0.1', IMGFLOW_ALLOW_PRIVATE_SOURCES: '1',
      IMGFLOW_CACHE_DIR: cacheDir, ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const { tail } = track(child);
  return started('imgflow', child, tail, async () => {
    const base = `http://127.0.0.1:${port}`;
    await waitReady(child, `${base}/healthz`, (s) => s === 200, TIMEOUT_MS);
    return base;
  });
}

async function startScript(key: PeerKey, script: string, env: NodeJS.ProcessEnv, readyPath: string, readyStatus: (s: number) => boolean, nodeFlags: string[] = []): Promise<Started> {
  const child = spawn(process.execPath, [...nodeFlags, `${serversDir}${script}`], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const { tail } = track(child);
  return started(key, child, tail, async () => {
    const base = `http://127.0.0.1:${await portFromStdout(child, TIMEOUT_MS)}`;
    await waitReady(child, `${base}${readyPath}`, readyStatus, TIMEOUT_MS);
    return base;
  });
}

/** IPX answers its bare root with 400 IPX_MISSING_MODIFIERS: up, and sharp not loaded yet (IPX loads it on first use). */
export const startIpx = (ipxDir: string, ownSharp: boolean): Promise<Started> =>
  startScript(ownSharp ? 'ipx-published' : 'ipx', 'ipx.mjs', { IPX_DIR: ipxDir, SHARP_FROM: ownSharp ? '' : root }, '/', (s) => s === 400);

export const startBare = (nodeFlags: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Started> => startScript('bare', 'bare-sharp.mjs', env, '/healthz', (s) => s === 200, nodeFlags);

export const startOrigin = async (image: string): Promise<{ base: string; stop(): void; gets(): Promise<number> }> => {
  const child = spawn(process.execPath, [`${serversDir}origin.mjs`, image], { stdio: ['ignore', 'pipe', 'pipe'] });
  const { tail } = track(child);
  try {
    const base = `http://127.0.0.1:${await portFromStdout(child, TIMEOUT_MS)}`;
    return {
      base,
      stop: () => child.kill('SIGTERM'),
      gets: async () => ((await (await fetch(`${base}/__count`)).json()) as { gets: number }).gets,
    };
  } catch (err) {
    throw new Error(`the origin did not start: ${(err as Error).message} ${tail()}`);
  }
};

/**
 * Debian's nginx, `worker_processes auto` (one per core, as its packaged config has), caching
 * what `upstream` (imgflow) answers; access log on, written to /dev/null like imgflow's.
 */
export async function startNginx(scratch: string, upstream: string): Promise<Started> {
  const dir = `${scratch}/nginx`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(`${dir}/cache`, { recursive: true });
  const port = await freePort();
  const conf = `# written by bench/compare/peers.ts
user root;
worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
daemon off;
events { worker_connections 4096; }
http {
  access_log /dev/null combined;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  proxy_cache_path ${dir}/cache levels=1:2 keys_zone=results:16m max_size=1g inactive=1h use_temp_path=off;
  upstream imgflow { server ${new URL(upstream).host}; keepalive 16; }
  server {
    listen 127.0.0.1:${port};
    location = /__ok { return 200 "ok"; }
    location / {
      proxy_pass http://imgflow;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache results;
      add_header X-Cache-Status $upstream_cache_status;
    }
  }
}
`;
  writeFileSync(`${dir}/nginx.conf`, conf);
  const child = spawn('nginx', ['-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`], { stdio: ['ignore', 'ignore', 'pipe'] });
  const { tail } = track(child);
  const result = await started('nginx', child, () => `${tail()} ${(() => { try { return readFileSync(`${dir}/error.log`, 'utf8').slice(-500); } catch { return ''; } })()}`.trim(), async () => {
    const base = `http://127.0.0.1:${port}`;
    await waitReady(child, `${base}/__ok`, (s) => s === 200, TIMEOUT_MS);
    return base;
  });
  return result;
}
