/**
 * Memory (issue 14, part 4): a server's RSS once it answers, then after N misses.
 *
 *   node --import tsx bench/rss-misses.ts [--misses 2000] [--concurrency 2]
 *     [--ipx DIR]            also IPX, from DIR/node_modules/ipx (npm install ipx in a scratch dir)
 *     [--env NAME=VALUE ...] extra environment for imgflow (MALLOC_ARENA_MAX=2, IMGFLOW_...)
 *     [--node-flags "..."]   node flags for imgflow instead of npm start's
 *
 * imgflow starts as `npm start` starts it (dist/: `npm run build` first), default configuration
 * (open mode, disk store and memory tier in a temp directory); IPX 3 as `createIPXNodeServer` on
 * its http storage. Both get GET resize-to-400-px-webp requests of the 2000x1500 JPEG
 * (bench/out/test.jpg) from a local origin, each under a new path so every one is a miss.
 * RSS is read from /proc/<pid>/status: at start (3 s after the first answer, nothing requested
 * but the health check), after the misses, and 5 s later (VmHWM is the peak).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { ensureImage, root, startOrigin } from './lib/resize-rig.ts';

const { values } = parseArgs({
  options: {
    misses: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '2' },
    ipx: { type: 'string' },
    env: { type: 'string', multiple: true, default: [] },
    'node-flags': { type: 'string' },
  },
});

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  });
});
const status = (pid: number, field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function up(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      await (await fetch(url)).arrayBuffer();
      return;
    } catch { /* not up yet */ }
    await sleep(100);
  }
  throw new Error(`${url} did not answer`);
}

async function measure(name: string, child: ChildProcess, health: string, urlOf: (n: number) => string): Promise<string> {
  await up(health);
  await sleep(3000);
  const start = status(child.pid!, 'VmRSS');
  let next = 0, failed = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Number(values.concurrency) }, async () => {
    while (next < Number(values.misses)) {
      const res = await fetch(urlOf(next++));
      await res.arrayBuffer();
      if (res.status !== 200) failed++;
    }
  }));
  const s = (performance.now() - t0) / 1000;
  const after = status(child.pid!, 'VmRSS');
  await sleep(5000);
  const later = status(child.pid!, 'VmRSS');
  const peak = status(child.pid!, 'VmHWM');
  return `| ${name} | ${start.toFixed(0)} | ${after.toFixed(0)} | ${later.toFixed(0)} | ${peak.toFixed(0)} | ${(Number(values.misses) / s).toFixed(1)} | ${failed} |`;
}

const dir = mkdtempSync(`${tmpdir()}/imgflow-rss-`);
const origin = await startOrigin(await ensureImage());
const input = (n: number) => `http://127.0.0.1:${origin.port}/p${n}/test.jpg`;
const children: ChildProcess[] = [];
try {
  const rows: string[] = [];
  const extraEnv = Object.fromEntries(values.env!.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const startScript = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')).scripts.start as string).split(' ').slice(1);
  const args = values['node-flags'] !== undefined
    ? [...values['node-flags'].split(' ').filter(Boolean), ...startScript.filter((a) => !a.startsWith('--'))]
    : startScript;
  const port = await freePort();
  const imgflow = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, PORT: String(port), IMGFLOW_HOST: '127.0.0.1', IMGFLOW_ALLOW_PRIVATE_SOURCES: '1', IMGFLOW_CACHE_DIR: `${dir}/cache`, ...extraEnv },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(imgflow);
  const base = `http://127.0.0.1:${port}`;
  rows.push(await measure(`imgflow (node ${args.filter((a) => a.startsWith('--')).join(' ') || 'no flags'}${Object.keys(extraEnv).length ? `; ${values.env!.join(' ')}` : ''})`, imgflow, `${base}/healthz`,
    (n) => `${base}/graph/resize.webp?width=400&input=${encodeURIComponent(input(n))}`));
  imgflow.kill();
  if (values.ipx) {
    const ipxPort = await freePort();
    writeFileSync(`${dir}/ipx.mjs`, `
      import http from 'node:http';
      import { createIPX, createIPXNodeServer, ipxHttpStorage } from ${JSON.stringify(`${values.ipx}/node_modules/ipx/dist/index.mjs`)};
      const ipx = createIPX({ httpStorage: ipxHttpStorage({ domains: ['127.0.0.1'] }) });
      http.createServer(createIPXNodeServer(ipx)).listen(${ipxPort}, '127.0.0.1');
    `);
    const ipx = spawn(process.execPath, [`${dir}/ipx.mjs`], { cwd: values.ipx, stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(ipx);
    const ipxBase = `http://127.0.0.1:${ipxPort}`;
    rows.push(await measure('IPX 3 (node, no flags)', ipx, `${ipxBase}/`, (n) => `${ipxBase}/w_400,f_webp/${input(n)}`));
  }
  console.log(`${new Date().toISOString()}; ${values.misses} misses, ${values.concurrency} in flight; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  console.log('| server | RSS at start (MB) | after the misses | 5 s later | peak (VmHWM) | misses/s | non-200 |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
} finally {
  for (const c of children) c.kill();
  origin.close();
  await sleep(300);
  rmSync(dir, { recursive: true, force: true });
}
