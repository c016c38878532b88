/**
 * DeepDream bench (issue 6): 512x512, 3 octaves x 10 iterations, layer mixed3, cpu backend.
 *   node --import tsx bench/deepdream.ts [--input photo.jpg] [--backend cpu|gpu|auto]
 *        [--layer mixed3] [--size 512] [--octaves 3] [--iterations 10] [--out bench/deepdream-sample.jpg]
 * Without --input it dreams on a deterministic synthetic photo (bench/lib/photo-like.ts).
 * Prints total time, time per ascent step, and GMAC/s counting forward + backward as 2x forward.
 */
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { RawImage } from '../operations/define.ts';
import { dream, forwardMacs, loadNet, octaveSizes, minInputSize, subnet, selectBackend, type BackendChoice, type DreamLayer } from '../operations/deepdream/index.ts';
import { photoLikeJpeg } from './lib/photo-like.ts';

const { values: a } = parseArgs({
  options: {
    input: { type: 'string' },
    backend: { type: 'string', default: 'cpu' },
    layer: { type: 'string', default: 'mixed3' },
    size: { type: 'string', default: '512' },
    octaves: { type: 'string', default: '3' },
    iterations: { type: 'string', default: '10' },
    out: { type: 'string' },
  },
});
const size = Number(a.size);

const src = a.input ?? (await photoLikeJpeg());
const { data, info } = await sharp(src).resize(size, size, { fit: 'cover' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
const image: RawImage = { data, width: info.width, height: info.height, channels: 3 };

const layer = a.layer as DreamLayer;
const t0 = performance.now();
const net = loadNet();
const backend = await selectBackend(a.backend as BackendChoice);
const tReady = performance.now();
const octaves = Number(a.octaves);
const iterations = Number(a.iterations);
let last = tReady;
const stepMs = new Map<number, number[]>(); // per octave
const out = await dream(image, { layer, octaves, iterations, backend }, (f, d) => {
  const now = performance.now();
  stepMs.set(d.octave, [...(stepMs.get(d.octave) ?? []), now - last]);
  last = now;
  process.stderr.write(`\r${(f * 100).toFixed(0).padStart(3)}%  octave ${d.octave}/${d.octaves}  iteration ${d.iteration}/${d.iterations}  loss ${d.loss.toFixed(3)}   `);
});
const tDone = performance.now();
process.stderr.write('\n');

const nodes = subnet(net, layer);
const sizes = octaveSizes(size, size, octaves, 1.4, minInputSize(nodes));
const steps = sizes.length * iterations;
const macs = sizes.reduce((s, [h, w]) => s + 2 * forwardMacs(nodes, h, w) * iterations, 0);
const dreamS = (tDone - tReady) / 1000;
console.log(`backend        ${backend.description}`);
console.log(`dream          ${size}x${size}, ${layer}, octaves ${sizes.map(([h, w]) => `${w}x${h}`).join(' ')}, ${iterations} iterations each (${steps} steps)`);
console.log(`load + init    ${((tReady - t0) / 1000).toFixed(2)} s (weights from cache; backend start)`);
console.log(`total          ${((tDone - t0) / 1000).toFixed(2)} s (dream alone ${dreamS.toFixed(2)} s)`);
const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
console.log(`per step       ${((dreamS * 1000) / steps).toFixed(0)} ms mean; by octave ${[...stepMs.entries()].map(([k, v]) => `${sizes[k - 1][1]}px ${mean(v).toFixed(0)} ms`).join(', ')}`);
console.log(`work           ${(macs / 1e9).toFixed(1)} GMAC (forward + backward = 2x forward convs)`);
console.log(`throughput     ${(macs / 1e9 / dreamS).toFixed(1)} GMAC/s`);
if (a.out) {
  await sharp(out.data, { raw: { width: out.width, height: out.height, channels: out.channels } }).jpeg({ quality: 80 }).toFile(a.out);
  console.log(`sample         ${a.out}`);
}
