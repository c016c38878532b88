/**
 * Heavy kernels next to light requests: 4 concurrent `motionblur` (length 256, angle 30: off the
 * axes, where the blur adds its taps one by one; along an axis it is a fast sliding sum) on 3000x2000
 * JPEGs, POSTed to the server as `npm start` starts it, with a time limit; meanwhile a probe asks
 * for /healthz and a cached thumbnail every 50 ms.
 *
 *   node --import tsx bench/heavy-isolation.ts [--limit-ms 5000] [--rounds 3]
 *
 * Prints per round the probe's p50/p99/max and when each heavy request ended against the limit.
 * Not part of npm test (spec/server/heavy-isolation.spec.ts checks the behaviour with loose bounds).
 */
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { startServer } from './lib/resize-rig.ts';

const { values } = parseArgs({ options: { 'limit-ms': { type: 'string', default: '5000' }, rounds: { type: 'string', default: '3' } } });
const limitMs = Number(values['limit-ms']);

const raw = Buffer.alloc(3000 * 2000 * 3);
for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919 + (i >> 9) * 31) & 255;
const photo = await sharp(raw, { raw: { width: 3000, height: 2000, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
const thumb = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#369' } }).png().toBuffer();

const server = await startServer({ env: { IMGFLOW_PROCESSING_TIMEOUT_MS: String(limitMs), IMGFLOW_CACHE_STORE: 'none', IMGFLOW_LOG_LEVEL: 'warn' } });
const post = (path: string, body: Buffer) => fetch(server.base + path, { method: 'POST', body: new Uint8Array(body) });
await (await post('/graph/resize.png?width=32', thumb)).arrayBuffer();

const q = (xs: number[], f: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(f * xs.length))];
for (let round = 1; round <= Number(values.rounds); round++) {
  const t0 = performance.now();
  let done = false;
  const heavy = Promise.all(Array.from({ length: 4 }, async () => {
    const res = await post('/graph/motionblur.jpg?length=256&angle=30', photo);
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - t0 };
  })).finally(() => { done = true; });
  const health: number[] = [];
  const hits: number[] = [];
  const slow: string[] = [];
  while (!done) {
    let s = performance.now();
    await (await fetch(`${server.base}/healthz`)).arrayBuffer();
    health.push(performance.now() - s);
    if (health.at(-1)! > 25) slow.push(`healthz ${health.at(-1)!.toFixed(0)} ms at ${((s - t0) / 1000).toFixed(2)} s`);
    s = performance.now();
    const hit = await post('/graph/resize.png?width=32', thumb);
    await hit.arrayBuffer();
    if (hit.headers.get('x-cache') !== 'hit') throw new Error('the thumbnail was not a cache hit');
    hits.push(performance.now() - s);
    if (hits.at(-1)! > 25) slow.push(`hit ${hits.at(-1)!.toFixed(0)} ms at ${((s - t0) / 1000).toFixed(2)} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const ends = (await heavy).map((h) => `${h.status} at ${(h.ms / 1000).toFixed(2)} s`).join(', ');
  console.log(`round ${round}: /healthz p50 ${q(health, 0.5).toFixed(1)} p99 ${q(health, 0.99).toFixed(1)} max ${Math.max(...health).toFixed(1)} ms (${health.length} probes); ` +
    `cache hit p50 ${q(hits, 0.5).toFixed(1)} p99 ${q(hits, 0.99).toFixed(1)} max ${Math.max(...hits).toFixed(1)} ms; heavy (limit ${limitMs / 1000} s): ${ends}`);
  if (process.env.VERBOSE) console.log(`  probes over 25 ms: ${slow.join('; ') || 'none'}`);
}
server.process.kill('SIGTERM');
