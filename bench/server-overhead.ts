/**
 * Where a processing request's CPU goes besides libvips, piece by piece, in one process:
 * fetching the input (our fetchSource vs a bare node:http GET), the header check (checkImage
 * vs sharp's metadata()), and our compiled resize pipeline vs bare sharp.
 *
 *   node --import tsx bench/server-overhead.ts [iterations=200]
 *
 * Needs bench/out/test.jpg (bench/resize-cpu.ts makes it). CPU is process.cpuUsage() per
 * operation after a warm-up; sequential, so libvips' own threads are charged too.
 */
import http from 'node:http';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import sharp from 'sharp';
import { createRuntime } from '../runtime/index.ts';
import { checkImage } from '../server/input/check-image.ts';
import { closeSourceAgents, fetchSource } from '../server/input/fetch-source.ts';

const n = Number(process.argv[2] ?? 200);
const jpeg = readFileSync(new URL('out/test.jpg', import.meta.url));
sharp.cache(false);

// The origin runs in its own process, so serving the image is not charged to the fetch.
const origin = spawn(process.execPath, ['-e', `
  const jpeg = require('fs').readFileSync(${JSON.stringify(new URL('out/test.jpg', import.meta.url).pathname)});
  const s = require('http').createServer((q, r) => { r.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': jpeg.length }); r.end(jpeg); });
  s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<string>((r) => origin.stdout!.once('data', (d: Buffer) => r(d.toString().trim())));
const url = `http://127.0.0.1:${port}/test.jpg`;
const agent = new http.Agent({ keepAlive: true });
const runtime = await createRuntime({ graphsDir: new URL('../graphs', import.meta.url).pathname, watch: false });

const plainGet = () => new Promise<Buffer>((resolve, reject) => {
  http.get(url, { agent }, (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks)));
  }).on('error', reject);
});

const cases: [string, () => Promise<unknown>][] = [
  ['fetch: bare node:http GET', plainGet],
  ['fetch: fetchSource', () => fetchSource(url, { timeoutMs: 10000, maxBytes: 5e7, maxRedirects: 3, allowPrivate: true, userAgent: 'bench' })],
  ['header: sharp().metadata()', () => sharp(jpeg).metadata()],
  ['header: checkImage', () => checkImage(jpeg, { maxPixels: 5e7 })],
  ['resize: bare sharp', () => sharp(jpeg).resize(400).webp().toBuffer()],
  ['resize: runtime (graph resize)', () => runtime.evaluate(runtime.prepare('resize', { width: '400' }), { input: jpeg, format: 'webp' })],
];

console.log(`${cpus().length} x ${cpus()[0].model}, node ${process.version}, ${n} iterations each, load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
// Two passes, interleaved, so a drift of the VM shows up as disagreement between them.
for (const pass of [1, 2]) {
  for (const [name, fn] of cases) {
    for (let i = 0; i < 10; i++) await fn();
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) await fn();
    const c = process.cpuUsage(c0);
    console.log(`pass ${pass}  ${name.padEnd(32)} ${((c.user + c.system) / 1000 / n).toFixed(2)} ms CPU/op`);
  }
}
origin.kill();
agent.destroy();
closeSourceAgents();
runtime.close();
