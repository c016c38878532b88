/**
 * The dream: gradient ascent on the input of InceptionV3 so one layer (or one channel) fires
 * harder, over octaves from small to full size (detail carried up between them), with a random
 * roll per step and overlapping tiles whose grid moves every step, so tile edges leave no seams.
 */
import type { RawImage } from '../define.ts';
import type { TensorBackend } from './backend.ts';
import type { GpuMode } from './backend-gpujs.ts';
import { meanSquareObjective, objectiveGradient, type Objective } from './gradient.ts';
import { guideObjective } from './guide.ts';
import { crop, fromNetInput, paste, roll, toNetInput } from './image-array.ts';
import { DREAM_LAYERS, inferShapes, minInputSize, subnet, type DreamLayer, type NetNode } from './net-types.ts';
import { createRandom, randomShift } from './random.ts';
import { BACKEND_CHOICES as BACKENDS, selectBackend, type BackendChoice } from './select-backend.ts';
import { StepClock } from './step-clock.ts';
import { dreamThreads } from './thread-count.ts';
import { DEFAULT_CACHE_DIR, loadNet } from './weight-cache.ts';

export interface DreamOptions {
  /** Layer whose activation grows. Default mixed3. */
  layer?: DreamLayer;
  /** One channel of the layer, or -1 for all (default). */
  channel?: number;
  /** Scales processed, smallest first (default 3); octaves smaller than the net accepts are skipped. */
  octaves?: number;
  /** Size ratio between octaves (default 1.4). */
  octaveScale?: number;
  /** Ascent steps per octave (default 10). */
  iterations?: number;
  /** Step size in input units (-1..1) after normalising the gradient to mean |g| = 1 (default 0.015). */
  step?: number;
  /** Largest random roll per step, in pixels (default 32). */
  jitter?: number;
  /** Images larger than this (either side) are processed in overlapping tiles (default 512). */
  tileSize?: number;
  /** Seeds the roll sequence: equal inputs, options and seed give equal output. Default 0. */
  seed?: number;
  /** Optional guide image: grow its features instead of the layer's favourite ones. */
  guide?: RawImage;
  /** Backend name (default IMGFLOW_DEEPDREAM_BACKEND, else auto) or a ready backend. */
  backend?: BackendChoice | TensorBackend<any>;
  /** gpu.js mode for the gpu backend: webgpu (default) or cpu (tests). */
  gpuMode?: GpuMode;
  /** Folded-weight cache (default IMGFLOW_DEEPDREAM_CACHE_DIR, else .cache/deepdream). */
  cacheDir?: string;
  /**
   * XNNPACK threads of the cpu backend (default IMGFLOW_DEEPDREAM_THREADS, else the CPU count).
   * The thread's tfjs backend is started once: the first dream's count holds for later ones.
   */
  threads?: number;
  signal?: AbortSignal;
  /**
   * True once the caller gave up (a compute thread's shared flag): checked, like `signal`, before
   * each step and each tile, so an onnxruntime call is never cut off in the middle.
   */
  cancelled?: () => boolean;
}

export interface DreamProgressDetail {
  octave: number;
  octaves: number;
  iteration: number;
  iterations: number;
  /** The objective before this step (mean squared activation, or guide match). */
  loss: number;
  /** Seconds left, estimated from this octave's measured step times (0 after the last step). */
  eta: number;
}

export type DreamProgress = (fraction: number, detail: DreamProgressDetail) => void;

const TILE_MARGIN = 32;

/** Options with defaults applied; the environment fills backend and cache dir when unset. */
export function resolveDreamOptions(options: DreamOptions, env: Record<string, string | undefined> = process.env) {
  const backend = options.backend ?? env.IMGFLOW_DEEPDREAM_BACKEND ?? 'auto';
  if (typeof backend === 'string' && !(BACKENDS as readonly string[]).includes(backend)) throw new RangeError(`Expected one of ${BACKENDS.join(', ')} for IMGFLOW_DEEPDREAM_BACKEND but received ${backend}`);
  const layer = options.layer ?? 'mixed3';
  if (!DREAM_LAYERS.includes(layer)) throw new RangeError(`Expected one of ${DREAM_LAYERS.join(', ')} for layer but received ${layer}`);
  return {
    layer,
    channel: options.channel ?? -1,
    octaves: Math.max(1, Math.round(options.octaves ?? 3)),
    octaveScale: options.octaveScale ?? 1.4,
    iterations: Math.max(0, Math.round(options.iterations ?? 10)),
    step: options.step ?? 0.015,
    jitter: Math.max(0, Math.round(options.jitter ?? 32)),
    tileSize: Math.max(128, Math.round(options.tileSize ?? 512)),
    seed: options.seed ?? 0,
    backend: backend as BackendChoice | TensorBackend<any>,
    gpuMode: options.gpuMode ?? 'webgpu',
    cacheDir: options.cacheDir ?? env.IMGFLOW_DEEPDREAM_CACHE_DIR ?? DEFAULT_CACHE_DIR,
    threads: dreamThreads(options.threads, env.IMGFLOW_DEEPDREAM_THREADS),
  };
}

/** Octave sizes, smallest first, ending at [h, w]; too-small ones dropped. */
export function octaveSizes(h: number, w: number, octaves: number, scale: number, minSide: number): [number, number][] {
  const sizes: [number, number][] = [];
  for (let k = octaves - 1; k >= 0; k--) {
    const f = Math.pow(scale, k);
    const s: [number, number] = [Math.round(h / f), Math.round(w / f)];
    if (Math.min(...s) >= minSide || k === 0) sizes.push(s);
  }
  return sizes;
}

/** [start, end) of each tile's core and of the tile itself (core plus margin) along one axis. */
export function tileSpans(length: number, tile: number): { core: [number, number]; span: [number, number] }[] {
  if (length <= tile) return [{ core: [0, length], span: [0, length] }];
  const n = Math.ceil(length / (tile - 2 * TILE_MARGIN));
  return Array.from({ length: n }, (_, i) => {
    const core: [number, number] = [Math.round((i * length) / n), Math.round(((i + 1) * length) / n)];
    return { core, span: [Math.max(0, core[0] - TILE_MARGIN), Math.min(length, core[1] + TILE_MARGIN)] as [number, number] };
  });
}

async function resizeArray<T>(backend: TensorBackend<T>, x: Float32Array, h: number, w: number, oh: number, ow: number): Promise<Float32Array> {
  if (oh === h && ow === w) return x.slice();
  const t = await backend.upload(x, [h, w, 3]);
  const r = await backend.resize(t, oh, ow);
  const out = await backend.read(r);
  backend.dispose(t);
  backend.dispose(r);
  return out;
}

/** Throws when the dream's caller gave up: its signal aborted or its cancel flag raised. */
function checkCancelled(options: DreamOptions): void {
  if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
  if (options.cancelled?.()) throw Object.assign(new Error('DeepDream cancelled'), { name: 'AbortError' });
}

/** Loss and gradient of the whole image, tile by tile; each tile contributes its core. */
async function tiledGradient<T>(backend: TensorBackend<T>, nodes: NetNode[], x: Float32Array, h: number, w: number, tile: number, objective: Objective, options: DreamOptions) {
  const grad = new Float32Array(x.length);
  let loss = 0;
  for (const ty of tileSpans(h, tile)) {
    for (const tx of tileSpans(w, tile)) {
      checkCancelled(options); // a large image's step is many tiles, each one session run
      const [th, tw] = [ty.span[1] - ty.span[0], tx.span[1] - tx.span[0]];
      const part = th === h && tw === w ? x : crop(x, w, 3, ty.span[0], tx.span[0], th, tw);
      const r = await objectiveGradient(backend, nodes, part, th, tw, objective);
      paste(grad, w, 3, r.grad, ty.span[0], tx.span[0], tw, ty.core[0], ty.core[1], tx.core[0], tx.core[1]);
      loss += (r.loss * (ty.core[1] - ty.core[0]) * (tx.core[1] - tx.core[0])) / (h * w);
    }
  }
  return { loss, grad };
}

/** Dreams on `image` and returns an image of the same size and channels. */
export async function dream(image: RawImage, options: DreamOptions = {}, onProgress?: DreamProgress): Promise<RawImage> {
  const o = resolveDreamOptions(options);
  checkCancelled(options);
  const backend = typeof o.backend === 'string' ? await selectBackend(o.backend, o.gpuMode, o.threads) : o.backend;
  const nodes = subnet(loadNet(o.cacheDir), o.layer);
  const minSide = minInputSize(nodes);
  const channels = inferShapes(nodes, minSide, minSide).get(o.layer)![2];
  if (o.channel >= channels) throw new RangeError(`Expected channel between -1 and ${channels - 1} for layer ${o.layer} but received ${o.channel}`);
  const objective = options.guide ? await guideObjective(backend, nodes, options.guide, minSide) : meanSquareObjective(o.channel);

  // Inputs smaller than the network's minimum are dreamt on a scaled-up copy.
  const up = Math.max(1, minSide / Math.min(image.width, image.height));
  const [h, w] = [Math.ceil(image.height * up), Math.ceil(image.width * up)];
  const source = toNetInput(image);
  const x0 = await resizeArray(backend, source, image.height, image.width, h, w);
  const sizes = octaveSizes(h, w, o.octaves, o.octaveScale, minSide);
  const work = sizes.map(([a, b]) => a * b * o.iterations);
  const total = work.reduce((a, b) => a + b, 0) || 1;
  const random = createRandom(o.seed);

  let done = 0;
  const clock = new StepClock();
  let img = x0;
  let detail: Float32Array | undefined;
  let prev: [number, number] = sizes[0];
  for (let k = 0; k < sizes.length; k++) {
    const [oh, ow] = sizes[k];
    const base = await resizeArray(backend, x0, h, w, oh, ow);
    img = base.slice();
    if (detail) {
      const d = await resizeArray(backend, detail, prev[0], prev[1], oh, ow);
      for (let i = 0; i < img.length; i++) img[i] += d[i];
    }
    for (let it = 0; it < o.iterations; it++) {
      checkCancelled(options);
      const started = performance.now();
      const j = Math.min(o.jitter, Math.floor(Math.min(oh, ow) / 4)); // a roll past a quarter of the image mostly moves the wrap seam
      const [sy, sx] = [randomShift(random, j), randomShift(random, j)];
      const r = await tiledGradient(backend, nodes, roll(img, oh, ow, 3, sy, sx), oh, ow, o.tileSize, objective, options);
      const g = roll(r.grad, oh, ow, 3, -sy, -sx);
      let meanAbs = 0;
      for (let i = 0; i < g.length; i++) meanAbs += Math.abs(g[i]);
      const scale = o.step / (meanAbs / g.length + 1e-8);
      for (let i = 0; i < img.length; i++) img[i] = Math.max(-1, Math.min(1, img[i] + scale * g[i]));
      done += oh * ow;
      clock.record(k, oh * ow, performance.now() - started);
      const eta = clock.etaSeconds(total - done) ?? 0;
      onProgress?.(done / total, { octave: k + 1, octaves: sizes.length, iteration: it + 1, iterations: o.iterations, loss: r.loss, eta });
    }
    detail = new Float32Array(img.length);
    for (let i = 0; i < img.length; i++) detail[i] = img[i] - base[i];
    prev = [oh, ow];
  }
  const out = await resizeArray(backend, img, h, w, image.height, image.width);
  return fromNetInput(out, image);
}
