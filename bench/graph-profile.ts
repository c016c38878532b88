/**
 * Per-graph profile (issue 14): every shipped graph (graphs/*.json, *.fbp) with its default
 * parameters on the same generated 2000x1500 JPEG (bench/lib/photo-like.ts), evaluated in this
 * process as the server evaluates a miss (runtime.evaluate, compute threads on, libvips cache
 * off), encoded as JPEG. Prints CPU ms per request, slowest first, and each graph's stages.
 *
 *   node --import tsx bench/graph-profile.ts [--runs 3] [--size 2000x1500] [--format jpeg]
 *     [--only a,b] [--with-deepdream] [--with-desaturate] [--params 'graph:k=v&k=v']
 *
 * CPU is the whole process's (process.cpuUsage: the event loop, the compute threads and
 * libvips' threads): what a server would be charged, less HTTP and fetching. Graphs are taken
 * in a rotated order each round, so a slow phase of a shared machine does not land on one
 * graph. DeepDream and desaturate (c2g) are left out unless asked for (see `skipped`).
 */
import os from 'node:os';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createRuntime } from '../runtime/index.ts';
import type { OutputFormat } from '../operations/define.ts';
import { photoLikeJpeg } from './lib/photo-like.ts';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const runs = Number(arg('runs', '2'));
const [width, height] = arg('size', '2000x1500').split('x').map(Number);
const format = arg('format', 'jpeg') as OutputFormat;
const only = process.argv.includes('--only') ? new Set(arg('only', '').split(',')) : undefined;
/** Graphs whose defaults need company to mean anything at this size (a crop of the default 0x0 is the whole image). */
const extraParams = new Map<string, Record<string, string>>();
for (let i = 0; i < process.argv.length; i++) {
  if (process.argv[i] !== '--params') continue;
  const [graph, query] = process.argv[i + 1].split(':');
  extraParams.set(graph, Object.fromEntries(new URLSearchParams(query)));
}

sharp.cache(false);
/**
 * Left out unless asked for (--with-<name>): at 2000x1500 DeepDream dreams about a dozen
 * 512 px tiles, and c2g's spray took 565 s of wall time in one warm-up (load 25): minutes each.
 */
const skipped = new Set(['deepdream', 'desaturate']);
const graphsDir = fileURLToPath(new URL('../graphs/', import.meta.url));
const names = (await readdir(graphsDir))
  .filter((f) => /\.(json|fbp)$/.test(f))
  .map((f) => f.replace(/\.(json|fbp)$/, ''))
  .filter((n) => (only ? only.has(n) : !skipped.has(n) || process.argv.includes(`--with-${n}`)))
  .sort();
const runtime = await createRuntime({ graphsDir });
const input = await photoLikeJpeg(width, height);

const prepared = new Map(names.map((n) => [n, runtime.prepare(n, extraParams.get(n) ?? {})]));
const evaluate = (name: string) => runtime.evaluate(prepared.get(name)!, { input, format });
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const samples = new Map<string, number[]>(names.map((n) => [n, []]));
const stages = new Map<string, string>();
// One warm-up each: compiles plans, starts compute threads, loads code paths.
for (const n of names) {
  const t0 = performance.now();
  const r = await evaluate(n);
  console.error(`warm-up ${n}: ${(performance.now() - t0).toFixed(0)} ms wall`);
  stages.set(n, `${r.timings.map((t) => `${t.kind}[${t.nodes.join(',')}]`).join(' > ')} (${r.stats.pipelines} pipelines)`);
}
const load0 = os.loadavg()[0];
for (let round = 0; round < runs; round++) {
  const order = names.map((_, i) => names[(i + round) % names.length]);
  for (const n of order) {
    const c0 = cpuMs();
    await evaluate(n);
    samples.get(n)!.push(cpuMs() - c0);
  }
}
const load1 = os.loadavg()[0];
await runtime.close();

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const rows = names.map((n) => ({ n, med: median(samples.get(n)!), min: Math.min(...samples.get(n)!), max: Math.max(...samples.get(n)!) }))
  .sort((a, b) => b.med - a.med);
console.log(`# ${width}x${height} photo-like JPEG -> ${format}, default parameters, ${runs} runs each after one warm-up; ` +
  `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips}; ` +
  `load average ${load0.toFixed(1)} -> ${load1.toFixed(1)}; ${new Date().toISOString().slice(0, 10)}`);
console.log('| graph | CPU ms/request (median) | min-max | stages |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(`| ${r.n} | ${r.med.toFixed(1)} | ${r.min.toFixed(1)}-${r.max.toFixed(1)} | ${stages.get(r.n)} |`);
