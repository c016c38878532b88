/**
 * Cached bytes against nginx proxy_cache (issue 14, part 2), side by side in one run.
 *
 *   node --import tsx bench/hit-vs-nginx.ts [--rounds 3] [--duration 5] [--connections 64]
 *     [--env NAME=VALUE ...]   (extra environment for imgflow, e.g. IMGFLOW_LOG_HIT_SAMPLE_RATE=1)
 *
 * imgflow runs as `npm start` runs it (dist/: `npm run build` first) with its default
 * configuration (open mode, disk store in a temp directory, memory tier, request logs to a file);
 * the only settings are the port and IMGFLOW_ALLOW_PRIVATE_SOURCES (the origin is on loopback).
 * nginx (Debian's, `apt-get install -y nginx wrk`) runs a minimal proxy_cache config in a temp
 * directory in front of that imgflow, access log to a file like imgflow's, worker_processes auto.
 * Both serve the same 400 px webp of bench/out/test.jpg (2000x1500). Each round runs wrk on a hit
 * and on an If-None-Match 304 against both, and against a bare node:http server answering the
 * same bytes from a Buffer (the floor for any Node server), order rotated per round; server CPU per request is
 * read from /proc (the process tree: nginx's workers too) once the requests wrk abandons have
 * drained (bench/compare's wrk and /proc readers).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { treeCpuMs, waitSettled } from './compare/proc.ts';
import { runWrk } from './compare/wrk.ts';
import { ensureImage, root, startOrigin } from './lib/resize-rig.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '64' },
    env: { type: 'string', multiple: true, default: [] },
  },
});

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  });
});

interface Row { rps: number; p50: number; p99: number; cpuMs: number; bad: number }

/** One wrk run; the server's CPU (its whole tree: nginx's workers too) once the requests wrk abandoned have finished. */
async function wrk(url: string, pid: number, headers: string[] = []): Promise<Row> {
  const before = treeCpuMs(pid);
  const r = await runWrk({ url, connections: Number(values.connections), seconds: Number(values.duration), headers });
  await waitSettled(pid);
  return { rps: r.rps, p50: r.p50, p99: r.p99, cpuMs: (treeCpuMs(pid) - before) / r.requests, bad: r.non2xx + r.socketErrors };
}

const dir = mkdtempSync(`${tmpdir()}/imgflow-hit-nginx-`);
const origin = await startOrigin(await ensureImage());
const port = await freePort();
const extraEnv = Object.fromEntries(values.env!.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
const startArgs = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')).scripts.start as string).split(' ').slice(1);
const imgflow: ChildProcess = spawn(process.execPath, startArgs, {
  cwd: root,
  env: { ...process.env, PORT: String(port), IMGFLOW_HOST: '127.0.0.1', IMGFLOW_ALLOW_PRIVATE_SOURCES: '1', IMGFLOW_CACHE_DIR: `${dir}/cache`, ...extraEnv },
  stdio: ['ignore', 'pipe', 'pipe'],
});
imgflow.stdout!.pipe((await import('node:fs')).createWriteStream(`${dir}/imgflow.log`));
imgflow.stderr!.pipe((await import('node:fs')).createWriteStream(`${dir}/imgflow.err`));
const nginxPort = await freePort();
writeFileSync(`${dir}/nginx.conf`, `${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log ${dir}/nginx-access.log;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  proxy_cache_path ${dir}/nginx-cache keys_zone=img:10m;
  server {
    listen 127.0.0.1:${nginxPort};
    location / { proxy_pass http://127.0.0.1:${port}; proxy_cache img; proxy_cache_valid 200 1d; }
  }
}
`);
let nginx: ChildProcess | undefined;
let bare: ChildProcess | undefined;
try {
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch { /* not up yet */ }
    if (i > 200) throw new Error('imgflow did not come up');
    await new Promise((r) => setTimeout(r, 100));
  }
  nginx = spawn('nginx', ['-c', `${dir}/nginx.conf`, '-p', dir, '-g', 'daemon off;'], { stdio: 'inherit' });
  await new Promise((r) => setTimeout(r, 500));
  const path = `/graph/resize.webp?width=400&input=${encodeURIComponent(`http://127.0.0.1:${origin.port}/test.jpg`)}`;
  const first = await fetch(`${base}${path}`);
  const bytes = (await first.arrayBuffer()).byteLength;
  const etag = first.headers.get('etag')!;
  for (let i = 0; i < 3; i++) await (await fetch(`http://127.0.0.1:${nginxPort}${path}`)).arrayBuffer();
  const viaNginx = await fetch(`http://127.0.0.1:${nginxPort}${path}`, { headers: { 'if-none-match': etag } });
  if (viaNginx.status !== 304) throw new Error(`nginx did not answer 304 (${viaNginx.status})`);
  // The floor for any Node server: node:http answering the same bytes and headers from a Buffer.
  const barePort = await freePort();
  bare = spawn(process.execPath, ['--input-type=module', '-e', `
    import http from 'node:http';
    const body = Buffer.from(${JSON.stringify(Buffer.from(await (await fetch(`${base}${path}`)).arrayBuffer()).toString('base64'))}, 'base64');
    const etag = ${JSON.stringify(etag)};
    http.createServer((req, res) => {
      const head = { etag, 'x-cache': 'hit', 'cache-control': 'public, max-age=86400' };
      if (req.headers['if-none-match'] === etag) { res.writeHead(304, head); return res.end(); }
      res.writeHead(200, { ...head, 'content-type': 'image/webp', 'content-length': body.length });
      res.end(body);
    }).listen(${barePort}, '127.0.0.1');
  `], { stdio: 'inherit' });
  await new Promise((r) => setTimeout(r, 500));
  const sides = {
    imgflow: { url: `${base}${path}`, pid: imgflow.pid! },
    nginx: { url: `http://127.0.0.1:${nginxPort}${path}`, pid: nginx.pid! },
    'node:http': { url: `http://127.0.0.1:${barePort}${path}`, pid: bare.pid! },
  };
  // Warm-up: V8 compiles the hit path; nginx fills its page cache.
  for (const s of Object.values(sides)) {
    await runWrk({ url: s.url, connections: Number(values.connections), seconds: 3 });
    await runWrk({ url: s.url, connections: Number(values.connections), seconds: 2, headers: [`If-None-Match: ${etag}`] });
  }
  console.log(`${new Date().toISOString()}; output ${bytes} B webp; wrk -t1 -c${values.connections} -d${values.duration}s; imgflow env: ${JSON.stringify(extraEnv)}`);
  console.log(`load before: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  const results: Record<string, Row[]> = {};
  const kinds = [['hit', []], ['304', [`If-None-Match: ${etag}`]]] as const;
  for (let round = 0; round < Number(values.rounds); round++) {
    const names = Object.keys(sides) as Array<keyof typeof sides>;
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const [kind, headers] of kinds) {
      for (const side of order) {
        const r = await wrk(sides[side].url, sides[side].pid, [...headers]);
        (results[`${side} ${kind}`] ??= []).push(r);
      }
    }
  }
  const stat = (xs: number[], d = 0) => {
    const s = [...xs].sort((a, b) => a - b);
    const med = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    return `${s[0].toFixed(d)} / ${med.toFixed(d)} / ${s[s.length - 1].toFixed(d)}`;
  };
  console.log('| side | req/s min / median / max | p99 ms min / median / max | CPU ms/request (median) | non-2xx/3xx |');
  console.log('|---|---|---|---|---|');
  for (const [name, rows] of Object.entries(results)) {
    console.log(`| ${name} | ${stat(rows.map((r) => r.rps))} | ${stat(rows.map((r) => r.p99), 2)} | ${stat(rows.map((r) => r.cpuMs), 3)} | ${rows.reduce((a, r) => a + r.bad, 0)} |`);
  }
  for (const [kind] of kinds) {
    const ratios = results[`imgflow ${kind}`].map((r, i) => r.rps / results[`nginx ${kind}`][i].rps);
    console.log(`${kind}: imgflow/nginx req/s, same-round ratios min / median / max: ${stat(ratios, 2)}`);
  }
  console.log(`load after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${imgflow.pid}/status`, 'utf8'))![1];
  console.log(`imgflow RSS at the end: ${(Number(rss) / 1024).toFixed(0)} MB`);
} finally {
  nginx?.kill('SIGQUIT');
  bare?.kill();
  imgflow.kill();
  origin.close();
  await new Promise((r) => setTimeout(r, 300));
  rmSync(dir, { recursive: true, force: true });
}
