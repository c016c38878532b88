/** Real worker processes (`node --import tsx bin/cli.ts worker`), a TCP proxy to stand in for Redis going away, and Redis clean-up. */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Queue } from 'bullmq';

export const REDIS_URL = 'redis://127.0.0.1:6379';

export interface WorkerProcess {
  proc: ChildProcess;
  /** Parsed JSON log lines so far. */
  logs: Record<string, unknown>[];
  ready: Promise<{ metricsPort: number }>;
  exited: Promise<number | null>;
  /** Log lines whose msg is `msg`. */
  lines(msg: string): Record<string, unknown>[];
}

export function spawnWorker(env: Record<string, string>, args: string[]): WorkerProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'bin/cli.ts', 'worker', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let buffered = '';
  let resolveReady: (v: { metricsPort: number }) => void;
  let rejectReady: (err: Error) => void;
  const ready = new Promise<{ metricsPort: number }>((res, rej) => { resolveReady = res; rejectReady = rej; });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  proc.stdout!.on('data', (chunk) => {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'worker ready') resolveReady({ metricsPort: entry.metricsPort as number });
      } catch { /* not a log line */ }
    }
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => {
    rejectReady(new Error(`worker exited (${code}) before it was ready: ${stderr.slice(-2000)}`));
    resolve(code);
  }));
  return { proc, logs, ready, exited, lines: (msg) => logs.filter((l) => l.msg === msg) };
}

/** Forwards 127.0.0.1:<port> to Redis while up; `stop` closes it and every connection through it. */
export interface Proxy {
  port: number;
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startProxy(target = { host: '127.0.0.1', port: 6379 }): Promise<Proxy> {
  let server: net.Server | undefined;
  const sockets = new Set<net.Socket>();
  let port = 0;
  const start = () => new Promise<void>((resolve, reject) => {
    server = net.createServer((client) => {
      const upstream = net.connect(target.port, target.host);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      port = (server!.address() as net.AddressInfo).port;
      resolve();
    });
  });
  await start();
  return {
    get port() { return port; },
    get url() { return `redis://127.0.0.1:${port}`; },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    },
    start,
  } as Proxy;
}

/** Deletes every key under `prefix` (each spec run uses its own). */
export async function deletePrefix(prefix: string): Promise<void> {
  const q = new Queue('cleanup', { connection: { host: '127.0.0.1', port: 6379 }, prefix });
  const client = (await q.client) as unknown as { keys(p: string): Promise<string[]>; del(...k: string[]): Promise<number> };
  const keys = await client.keys(`${prefix}:*`);
  for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
  await q.close();
}
