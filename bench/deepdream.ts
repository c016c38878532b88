/**
 * DeepDream bench (issues 6 and 19): 512x512, 3 octaves x 10 iterations, layer mixed3, against
 * PyTorch on the same machine in the same run.
 *   node --import tsx bench/deepdream.ts [--input photo.jpg] [--backend cpu|onnx|tfjs|gpu|auto]
 *        [--layer mixed3] [--size 512] [--octaves 3] [--iterations 10] [--rounds 3] [--threads N]
 *        [--torch auto|off] [--torch-threads N] [--python /usr/bin/python3] [--out bench/deepdream-sample.jpg]
 * Without --input it dreams on a deterministic synthetic photo (bench/lib/photo-like.ts).
 * --backend cpu (the default) is what the server's cpu runs: onnxruntime-node, or tfjs-wasm where
 * it does not load (the "backend" line says which); tfjs times the tfjs-wasm engine.
 *
 * The yardstick is bench/deepdream-torch.py: the same trunk built from our folded-weight cache,
 * the same input, octave sizes, rolls and step rule. Before timing, both compute the loss and
 * input gradient of the full-size input and the bench stops if they disagree beyond float
 * rounding. Then imgflow and PyTorch dream alternately, `rounds` times each, so machine load
 * drifts hit both; the ratio is reported per round and as min / median / max.
 * GMAC/s counts forward + backward as 2x the forward conv MACs.
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { RawImage } from '../operations/define.ts';
import { dream, forwardMacs, loadNet, octaveSizes, minInputSize, subnet, selectBackend, objectiveGradient, meanSquareObjective, resolveDreamOptions, type BackendChoice, type DreamLayer } from '../operations/deepdream/index.ts';
import { toNetInput } from '../operations/deepdream/image-array.ts';
import { createRandom, randomShift } from '../operations/deepdream/random.ts';
import { cacheFile } from '../operations/deepdream/weight-cache.ts';
import { photoLikeJpeg } from './lib/photo-like.ts';

const { values: a } = parseArgs({
  options: {
    input: { type: 'string' },
    backend: { type: 'string', default: 'cpu' },
    layer: { type: 'string', default: 'mixed3' },
    size: { type: 'string', default: '512' },
    octaves: { type: 'string', default: '3' },
    iterations: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    threads: { type: 'string' },
    torch: { type: 'string', default: 'auto' },
    'torch-threads': { type: 'string', default: String(cpus().length) },
    python: { type: 'string', default: existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (a.help) {
  // The usage is this file's header comment.
  const source = readFileSync(new URL(import.meta.url), 'utf8');
  console.log(source.slice(source.indexOf('/**') + 3, source.indexOf('*/')).replace(/^ \* ?/gm, '').trim());
  process.exit(0);
}
const size = Number(a.size);
const rounds = Math.max(1, Number(a.rounds));
const load = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** The PyTorch side as a long-lived process answering one JSON line per request. */
class TorchYardstick {
  private lines: AsyncIterableIterator<string>;
  private proc: ChildProcessByStdio<Writable, Readable, null>;
  private constructor(proc: ChildProcessByStdio<Writable, Readable, null>) {
    this.proc = proc;
    this.lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  }
  static async start(python: string, cache: string, layer: string, threads: number): Promise<{ torch: TorchYardstick; info: Record<string, unknown> }> {
    const proc = spawn(python, [new URL('./deepdream-torch.py', import.meta.url).pathname, '--cache', cache, '--layer', layer, '--threads', String(threads)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const torch = new TorchYardstick(proc);
    const info = await torch.reply();
    return { torch, info };
  }
  async reply(): Promise<any> {
    const { value, done } = await this.lines.next();
    if (done) throw new Error('deepdream-torch.py exited early');
    return JSON.parse(value);
  }
  async ask(req: object): Promise<any> {
    this.proc.stdin.write(`${JSON.stringify(req)}\n`);
    return this.reply();
  }
  stop(): void {
    this.proc.stdin.end(`${JSON.stringify({ cmd: 'quit' })}\n`);
  }
}

function torchAvailable(python: string): boolean {
  return spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

const stats = (xs: number[]): string => {
  const s = [...xs].sort((p, q) => p - q);
  const med = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return `min ${s[0].toFixed(2)}  median ${med.toFixed(2)}  max ${s[s.length - 1].toFixed(2)}`;
};

const src = a.input ?? (await photoLikeJpeg());
const { data, info } = await sharp(src).resize(size, size, { fit: 'cover' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
const image: RawImage = { data, width: info.width, height: info.height, channels: 3 };

const layer = a.layer as DreamLayer;
const defaults = resolveDreamOptions({ threads: a.threads === undefined ? undefined : Number(a.threads) });
const t0 = performance.now();
const net = loadNet(defaults.cacheDir);
const backend = await selectBackend(a.backend as BackendChoice, 'webgpu', defaults.threads);
const tReady = performance.now();
const octaves = Number(a.octaves);
const iterations = Number(a.iterations);
const nodes = subnet(net, layer);
const sizes = octaveSizes(size, size, octaves, 1.4, minInputSize(nodes));
const steps = sizes.length * iterations;
const macs = sizes.reduce((s, [h, w]) => s + 2 * forwardMacs(nodes, h, w) * iterations, 0);
const threads = Number(a['torch-threads']);

console.log(`machine        ${cpus().length} x ${cpus()[0].model}, node ${process.version}`);
console.log(`backend        ${backend.description}`);
console.log(`dream          ${size}x${size}, ${layer}, octaves ${sizes.map(([h, w]) => `${w}x${h}`).join(' ')}, ${iterations} iterations each (${steps} steps), ${(macs / 1e9).toFixed(1)} GMAC`);
console.log(`load + init    ${((tReady - t0) / 1000).toFixed(2)} s (weights from cache; backend start)`);

// The same input and rolls as dream() uses (seed 0, full-size image, no tiling at 512 px).
const x0 = toNetInput(image);
const random = createRandom(defaults.seed);
const shifts = sizes.flatMap(([oh, ow]) =>
  Array.from({ length: iterations }, () => {
    const j = Math.min(defaults.jitter, Math.floor(Math.min(oh, ow) / 4));
    return [randomShift(random, j), randomShift(random, j)];
  }),
);

let torch: TorchYardstick | undefined;
const dir = mkdtempSync(join(tmpdir(), 'imgflow-dd-bench-'));
const inputFile = join(dir, 'input.f32');
writeFileSync(inputFile, x0);
if (a.torch !== 'off') {
  if (!torchAvailable(a.python)) {
    console.log(`pytorch        not found for ${a.python}: install Debian's build with \`apt-get update && apt-get install -y python3-torch\` (or pass --python); timing imgflow alone`);
  } else {
    const started = await TorchYardstick.start(a.python, cacheFile(defaults.cacheDir), layer, threads);
    torch = started.torch;
    console.log(`pytorch        ${started.info.torch}, ${started.info.threads} threads, oneDNN ${started.info.mkldnn}`);
    const ours = await objectiveGradient(backend, nodes, x0, size, size, meanSquareObjective());
    const gradFile = join(dir, 'grad.f32');
    writeFileSync(gradFile, ours.grad);
    const check = await torch.ask({ cmd: 'check', input: inputFile, h: size, w: size, loss: ours.loss, grad: gradFile });
    console.log(`check          loss imgflow ${ours.loss.toPrecision(8)} pytorch ${check.loss.toPrecision(8)} (rel diff ${check.loss_rel_diff.toExponential(1)}); input gradient rel L2 diff ${check.grad_rel_l2.toExponential(1)}, max abs diff ${check.grad_max_abs_diff.toExponential(1)} of max ${check.grad_max_abs.toExponential(1)}`);
    if (!(check.loss_rel_diff < 1e-5 && check.grad_rel_l2 < 5e-3)) {
      torch.stop();
      throw new Error('imgflow and PyTorch disagree on the loss or gradient: the yardstick is not running the same network');
    }
  }
}

const ours: number[] = [];
const theirs: number[] = [];
let curveDiff = 0;
let out: RawImage | undefined;
for (let r = 1; r <= rounds; r++) {
  const loadBefore = load();
  const losses: number[] = [];
  const stepMs = new Map<number, number[]>(); // per octave
  const cpuStart = process.cpuUsage();
  const tStart = performance.now();
  let last = tStart;
  out = await dream(image, { layer, octaves, iterations, backend, threads: defaults.threads }, (f, d) => {
    const now = performance.now();
    stepMs.set(d.octave, [...(stepMs.get(d.octave) ?? []), now - last]);
    last = now;
    losses.push(d.loss);
    process.stderr.write(`\r${(f * 100).toFixed(0).padStart(3)}%  octave ${d.octave}/${d.octaves}  iteration ${d.iteration}/${d.iterations}  loss ${d.loss.toFixed(3)}   `);
  });
  const s = (performance.now() - tStart) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  process.stderr.write('\n');
  ours.push(s);
  const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
  let line = `round ${r}        imgflow ${s.toFixed(2)} s (CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s, ${(macs / 1e9 / s).toFixed(1)} GMAC/s; per step ${[...stepMs.entries()].map(([k, v]) => `${sizes[k - 1][1]}px ${mean(v).toFixed(0)}`).join(' / ')} ms)`;
  if (torch) {
    const t = await torch.ask({ cmd: 'dream', input: inputFile, h: size, w: size, sizes, shifts, step: defaults.step });
    theirs.push(t.seconds);
    for (let i = 0; i < losses.length; i++) curveDiff = Math.max(curveDiff, Math.abs(losses[i] - t.losses[i]) / Math.abs(t.losses[i]));
    line += `  pytorch ${t.seconds.toFixed(2)} s (CPU ${t.cpu_seconds.toFixed(1)} s, ${(macs / 1e9 / t.seconds).toFixed(1)} GMAC/s)  ratio ${(s / t.seconds).toFixed(2)}`;
  }
  console.log(`${line}  load ${loadBefore} -> ${load()}`);
}
torch?.stop();
rmSync(dir, { recursive: true, force: true });

console.log(`ran on         ${backend.description}`);
console.log(`imgflow        ${stats(ours)} s over ${rounds} rounds`);
if (theirs.length) {
  console.log(`pytorch        ${stats(theirs)} s`);
  console.log(`ratio          ${stats(ours.map((s, i) => s / theirs[i]))} (imgflow / pytorch, per round)`);
  console.log(`objective      loss curves of the ${steps} steps agree within ${(curveDiff * 100).toFixed(3)}% (largest relative difference)`);
}
if (a.out && out) {
  await sharp(out.data, { raw: { width: out.width, height: out.height, channels: out.channels } }).jpeg({ quality: 80 }).toFile(a.out);
  console.log(`sample         ${a.out}`);
}
