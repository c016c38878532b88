/**
 * Cached-hit throughput over loopback (memory tier), with wrk.
 *
 *   node --import tsx bench/cache-hit.ts [--duration 10] [--connections 16] [--log-sample 1]
 *
 * Forks a server process (logs to /dev/null, real JSON logging kept), warms one signed and one
 * unsigned URL, then runs wrk on: signed hit, signed 304 (If-None-Match), unsigned hit. Prints
 * requests/s, p50/p99 and server CPU ms per request (from /proc/<pid>/stat). Needs `wrk`
 * (apt-get install -y wrk). Not part of npm test.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { parseWrk } from './compare/wrk.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    'log-sample': { type: 'string', default: '1' },
    child: { type: 'boolean', default: false },
  },
});

const KEY = 'bench';
const SECRET = 'bench-secret-0123456789';

async function serve(): Promise<void> {
  const sharp = (await import('sharp')).default;
  const { createRuntime } = await import('../runtime/index.ts');
  const { buildApp } = await import('../server/app.ts');
  const { loadConfig } = await import('../server/config.ts');
  const { buildSignedUrl } = await import('../rig/sign.ts');
  const image = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#3a6' } }).jpeg().toBuffer();
  const origin = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/jpeg' }).end(image));
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const input = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/photo.jpg`;
  const config = loadConfig({
    allowPrivateSources: true,
    appKey: KEY,
    appSecret: SECRET,
    allowUnsigned: true,
    cacheStore: 'none',
    logLevel: 'info',
    logHitSampleRate: Number(values['log-sample']),
  });
  const runtime = await createRuntime({ graphsDir: config.graphsDir, watch: false });
  const app = await buildApp(config, { runtime });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const params = { input, width: 400 };
  const signed = await buildSignedUrl({ server: base, key: KEY, secret: SECRET, graph: 'gaussianblur', ext: 'webp', params: { ...params, 'std-dev-x': 3 } });
  const unsigned = `${base}/graph/gaussianblur.webp?input=${encodeURIComponent(input)}&std-dev-x=3&width=400`;
  const etags: string[] = [];
  for (const url of [signed, unsigned]) {
    const res = await fetch(url);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`warm-up ${url}: ${res.status}`);
    etags.push(res.headers.get('etag')!);
  }
  process.send!({ signed, unsigned, etag: etags[0] });
}

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 (1-based), in clock ticks (100 Hz on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function wrk(url: string, pid: number, headers: string[] = []): { rps: number; p50: string; p99: string; cpu: number; non2xx: number } {
  const args = ['-t1', `-c${values.connections}`, `-d${values.duration}s`, '--latency', ...headers.flatMap((h) => ['-H', h]), url];
  const before = cpuMs(pid);
  const out = execFileSync('wrk', args, { encoding: 'utf8' });
  const cpu = cpuMs(pid) - before;
  // parseWrk reads the percentiles from the Latency Distribution block only: a pattern over the
  // whole report took the 304 run's p99 from its Thread Stats block ("72.99%" then "Req/Sec").
  const r = parseWrk(out);
  const ms = (x: number) => `${x < 1 ? x.toFixed(3) : x.toFixed(2)}ms`;
  return { rps: r.rps, p50: ms(r.p50), p99: ms(r.p99), cpu: cpu / r.requests, non2xx: r.non2xx };
}

async function main(): Promise<void> {
  const child: ChildProcess = fork(new URL(import.meta.url).pathname, ['--child', '--log-sample', values['log-sample']!], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    const urls = await new Promise<{ signed: string; unsigned: string; etag: string }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as never));
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    // Warm-up: let V8 optimise the hit path before measuring.
    execFileSync('wrk', ['-t1', `-c${values.connections}`, '-d3s', urls.signed]);
    execFileSync('wrk', ['-t1', `-c${values.connections}`, '-d2s', '-H', `If-None-Match: ${urls.etag}`, urls.signed]);
    execFileSync('wrk', ['-t1', `-c${values.connections}`, '-d2s', urls.unsigned]);
    console.log(`load before: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
    console.log(`wrk -t1 -c${values.connections} -d${values.duration}s --latency <url>; IMGFLOW_LOG_HIT_SAMPLE_RATE=${values['log-sample']}`);
    const rows: Array<[string, ReturnType<typeof wrk>]> = [
      ['signed hit (200, 2.6 KB webp)', wrk(urls.signed, child.pid!)],
      ['signed 304 (If-None-Match)', wrk(urls.signed, child.pid!, [`If-None-Match: ${urls.etag}`])],
      ['unsigned hit (200)', wrk(urls.unsigned, child.pid!)],
    ];
    console.log('| scenario | req/s | p50 | p99 | server CPU ms/req | non-2xx/3xx |');
    console.log('|---|---|---|---|---|---|');
    for (const [name, r] of rows) console.log(`| ${name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.cpu.toFixed(3)} | ${r.non2xx} |`);
    console.log(`load after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  } finally {
    child.kill();
  }
}

if (values.child) await serve();
else await main();
