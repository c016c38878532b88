/**
 * Blur CPU (issue 14, part 3): imgflow's `gaussianblur?std-dev-x=4` (y stays 1.5, in linear
 * light as GEGL blurs) against IPX's `blur_4`, which is sharp's `blur(4)`, on the same
 * 2000x1500 photo-like JPEG (bench/lib/photo-like.ts), both to JPEG at quality 80.
 *
 *   node --import tsx bench/blur.ts [--rounds 5] [--per-round 2]
 *
 * Everything runs in this one process, one operation at a time, and each operation is charged
 * the process's CPU time across it (process.cpuUsage: the event loop, the compute threads that
 * run imgflow's blur and libvips' threads). So the figures are the pipelines' CPU without HTTP
 * and fetching (bench/resize-cpu.ts measures those for resize). The sides take turns within a
 * round, in a rotated order, and ratios are taken within a round, so a slow phase of a shared
 * machine falls on both sides.
 *
 * Sides (the last three break the cost down: what stands between the first two):
 * - ipx-blur4: sharp(jpeg).blur(4).jpeg(), IPX's blur_4
 * - gaussianblur-x4: runtime.evaluate of graphs/gaussianblur with std-dev-x=4
 * - gaussianblur-4x4: the same with std-dev-y=4 as well (an equal-sigma blur)
 * - decode-encode: sharp(jpeg).jpeg(), the floor every side shares
 * - scrgb-roundtrip: decode, to scRGB (linear light, float) and back, encode: no blur
 * - ipx-blur4-float: sharp's blur(4) with precision 'float', libvips' scalar float
 *   convolution instead of its vectorised 8-bit integer one
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createRuntime } from '../runtime/index.ts';
import { photoLikeJpeg } from './lib/photo-like.ts';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const rounds = Number(arg('rounds', '5'));
const perRound = Number(arg('per-round', '2'));

sharp.cache(false);
const jpeg = await photoLikeJpeg(2000, 1500);
const runtime = await createRuntime({ graphsDir: fileURLToPath(new URL('../graphs/', import.meta.url)) });
const x4 = runtime.prepare('gaussianblur', { 'std-dev-x': '4' });
const x4y4 = runtime.prepare('gaussianblur', { 'std-dev-x': '4', 'std-dev-y': '4' });

const sides: Record<string, () => Promise<unknown>> = {
  'ipx-blur4': () => sharp(jpeg).blur(4).jpeg({ quality: 80 }).toBuffer(),
  'gaussianblur-x4': () => runtime.evaluate(x4, { input: jpeg, format: 'jpeg' }),
  'gaussianblur-4x4': () => runtime.evaluate(x4y4, { input: jpeg, format: 'jpeg' }),
  'decode-encode': () => sharp(jpeg).jpeg({ quality: 80 }).toBuffer(),
  'scrgb-roundtrip': () => sharp(jpeg).pipelineColourspace('scrgb').toColourspace('srgb').jpeg({ quality: 80 }).toBuffer(),
  'ipx-blur4-float': () => sharp(jpeg).blur({ sigma: 4, precision: 'float' }).jpeg({ quality: 80 }).toBuffer(),
};
const names = Object.keys(sides);
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

for (const n of names) await sides[n]();
const perSide = new Map<string, number[]>(names.map((n) => [n, []]));
const ratios = new Map<string, number[]>(names.map((n) => [n, []]));
const loads: number[] = [os.loadavg()[0]];
for (let round = 0; round < rounds; round++) {
  const thisRound = new Map<string, number>();
  for (const n of names.map((_, i) => names[(i + round) % names.length])) {
    const c0 = cpuMs();
    for (let i = 0; i < perRound; i++) await sides[n]();
    const ms = (cpuMs() - c0) / perRound;
    thisRound.set(n, ms);
    perSide.get(n)!.push(ms);
  }
  for (const n of names) ratios.get(n)!.push(thisRound.get(n)! / thisRound.get('ipx-blur4')!);
  loads.push(os.loadavg()[0]);
}
await runtime.close();

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const range = (a: number[], d: number) => `${Math.min(...a).toFixed(d)}-${Math.max(...a).toFixed(d)}`;
console.log(`# 2000x1500 photo-like JPEG -> JPEG q80; ${rounds} rounds x ${perRound} per side; ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ` +
  `node ${process.version}, sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips}; load average ${range(loads, 1)}; ${new Date().toISOString().slice(0, 10)}`);
console.log('| side | CPU ms/op, median (min-max) | same-round ratio to ipx-blur4, median (min-max) |');
console.log('|---|---|---|');
for (const n of names) console.log(`| ${n} | ${median(perSide.get(n)!).toFixed(1)} (${range(perSide.get(n)!, 1)}) | ${median(ratios.get(n)!).toFixed(2)} (${range(ratios.get(n)!, 2)}) |`);
