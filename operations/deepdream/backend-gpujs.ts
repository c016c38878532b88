/**
 * `gpu` backend: gpu.js kernels (gpujs-kernels.ts). Mode 'webgpu' runs them as WGSL compute
 * shaders through Dawn (npm webgpu 0.6.2; gpu.js never selects WebGPU by itself); 'cpu' runs
 * the same kernels as JS, for correctness tests at tiny sizes (about 0.35 GMAC/s here).
 * gpu.js is imported lazily, so the cpu backend never loads it.
 */
import type { TensorBackend } from './backend.ts';
import * as K from './gpujs-kernels.ts';
import { outSize, padBefore, type ConvSpec, type Shape } from './net-types.ts';
import { loadWebGpu } from '../kernels/webgpu-package.ts';

export type GpuMode = 'cpu' | 'webgpu';

/** A tensor: a Float32Array, or a device-resident result when kernels pipeline (WebGPU). */
export interface GpuTensor {
  data: unknown;
  shape: Shape;
}

interface GpuKernel {
  (...args: unknown[]): unknown;
  kernel?: { constructor: { name: string } };
  destroy?(removeCanvasReferences?: boolean): void;
}
interface GpuInstance {
  createKernel(source: string, settings: Record<string, unknown>): GpuKernel;
  destroy(): void | Promise<void>;
}

/**
 * Exposes Dawn as navigator.gpu before gpu.js loads (gpu.js reads it at import). Returns an
 * undo for the navigator it installed (nothing to undo when one was there already).
 */
export async function installWebGpu(): Promise<() => void> {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  const previous = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  if (g.navigator?.gpu) return () => {};
  const { create, globals } = await loadWebGpu();
  Object.assign(globalThis, globals);
  Object.defineProperty(globalThis, 'navigator', { value: { ...(g.navigator ?? {}), gpu: create([]) }, configurable: true, writable: true });
  return () => {
    if (previous) Object.defineProperty(globalThis, 'navigator', previous);
    else delete (globalThis as { navigator?: unknown }).navigator;
  };
}

type GpujsBackend = TensorBackend<GpuTensor> & { kernelClass(): string };
const instances = new Map<GpuMode, Promise<GpujsBackend>>();

/** One backend (one gpu.js instance and its compiled kernels) per mode, for the process. */
export function createGpujsBackend(mode: GpuMode = 'webgpu'): Promise<GpujsBackend> {
  let b = instances.get(mode);
  if (!b) {
    b = buildGpujsBackend(mode);
    // A failed start (no adapter) is not cached: the next call tries again.
    b.catch(() => instances.delete(mode));
    instances.set(mode, b);
  }
  return b;
}

async function buildGpujsBackend(mode: GpuMode): Promise<GpujsBackend> {
  if (mode === 'webgpu') await installWebGpu();
  const mod = (await import('gpu.js')) as unknown as { GPU?: new (o: object) => GpuInstance; default?: { GPU: new (o: object) => GpuInstance } };
  const GPU = mod.GPU ?? mod.default!.GPU;
  const gpu = new GPU({ mode });
  const pipeline = mode !== 'cpu';
  const kernels = new Map<string, GpuKernel>();
  let lastKernelClass = 'none';

  const run = async (name: keyof typeof K, constants: Record<string, number>, size: number, ...args: unknown[]): Promise<unknown> => {
    const key = `${name}:${size}:${JSON.stringify(constants)}`;
    let k = kernels.get(key);
    if (!k) {
      k = gpu.createKernel(K[name], { output: [size], constants, pipeline, immutable: pipeline, tactic: 'precision', loopMaxIterations: 100000 });
      kernels.set(key, k);
    }
    const out = await k(...args);
    lastKernelClass = k.kernel?.constructor.name ?? k.constructor.name;
    return out;
  };
  const weights = new WeakMap<ConvSpec, { w: unknown; b: unknown }>();
  /** Conv weights; on a device they are copied there once and stay (gpu.js re-uploads arrays per call). */
  const wb = async (conv: ConvSpec) => {
    let e = weights.get(conv);
    if (!e) {
      e = pipeline
        ? { w: await run('copy', {}, conv.weights.length, conv.weights), b: await run('copy', {}, conv.bias.length, conv.bias) }
        : { w: conv.weights, b: conv.bias };
      weights.set(conv, e);
    }
    return e;
  };
  const convConstants = (conv: ConvSpec, [ih, iw, ci]: Shape) => ({
    IH: ih,
    IW: iw,
    CI: ci,
    OH: outSize(ih, conv.kh, conv.stride, conv.padding),
    OW: outSize(iw, conv.kw, conv.stride, conv.padding),
    CO: conv.cout,
    KH: conv.kh,
    KW: conv.kw,
    S: conv.stride,
    PT: padBefore(ih, conv.kh, conv.stride, conv.padding),
    PL: padBefore(iw, conv.kw, conv.stride, conv.padding),
  });
  const t = (data: unknown, shape: Shape): GpuTensor => ({ data, shape });
  const n = (s: Shape) => s[0] * s[1] * s[2];

  return {
    name: 'gpu',
    get description() {
      return `gpu.js ${mode} (${lastKernelClass})`;
    },
    /** The gpu.js kernel class that ran last: WebGPUKernel on a GPU, CPUKernel in tests. */
    kernelClass: () => lastKernelClass,
    async upload(data, shape) {
      return t(data, shape);
    },
    async read(x) {
      const d = x.data as { toArray?: () => unknown } | Float32Array;
      const arr = d instanceof Float32Array ? d : await (d as { toArray(): unknown }).toArray();
      return Float32Array.from(arr as ArrayLike<number>);
    },
    async conv2d(x, conv, relu) {
      const c = { ...convConstants(conv, x.shape), RELU: relu ? 1 : 0 };
      const shape: Shape = [c.OH, c.OW, c.CO];
      const { w, b } = await wb(conv);
      return t(await run('conv2d', c, n(shape), x.data, w, b), shape);
    },
    async conv2dBackwardInput(dy, conv, inShape) {
      return t(await run('conv2dBackwardInput', convConstants(conv, inShape), n(inShape), dy.data, (await wb(conv)).w), inShape);
    },
    async reluBackward(dy, y) {
      return t(await run('reluBackward', {}, n(dy.shape), dy.data, y.data), dy.shape);
    },
    async maxPool(x, pool) {
      const [ih, iw, c] = x.shape;
      const shape: Shape = [outSize(ih, pool.size, pool.stride, 'valid'), outSize(iw, pool.size, pool.stride, 'valid'), c];
      return t(await run('maxPool', { IH: ih, IW: iw, C: c, OW: shape[1], K: pool.size, S: pool.stride }, n(shape), x.data), shape);
    },
    async maxPoolBackward(dy, x, _y, pool) {
      const [ih, iw, c] = x.shape;
      return t(await run('maxPoolBackward', { IH: ih, IW: iw, C: c, OH: dy.shape[0], OW: dy.shape[1], K: pool.size, S: pool.stride }, n(x.shape), dy.data, x.data), x.shape);
    },
    async avgPool(x, pool) {
      const [h, w, c] = x.shape;
      return t(await run('avgPool', { H: h, W: w, C: c, K: pool.size, P: padBefore(h, pool.size, 1, 'same') }, n(x.shape), x.data), x.shape);
    },
    async avgPoolBackward(dy, inShape, pool) {
      const [h, w, c] = inShape;
      return t(await run('avgPoolBackward', { H: h, W: w, C: c, K: pool.size, P: padBefore(h, pool.size, 1, 'same') }, n(inShape), dy.data), inShape);
    },
    async concat(xs) {
      let acc = xs[0];
      for (const b of xs.slice(1)) {
        const shape: Shape = [acc.shape[0], acc.shape[1], acc.shape[2] + b.shape[2]];
        acc = t(await run('concat2', { CA: acc.shape[2], CB: b.shape[2] }, n(shape), acc.data, b.data), shape);
      }
      return acc;
    },
    async sliceChannels(x, begin, size) {
      const shape: Shape = [x.shape[0], x.shape[1], size];
      return t(await run('sliceChannels', { C: x.shape[2], B: begin, N: size }, n(shape), x.data), shape);
    },
    async add(a, b) {
      return t(await run('add', {}, n(a.shape), a.data, b.data), a.shape);
    },
    async resize(x, h, w) {
      const shape: Shape = [h, w, x.shape[2]];
      return t(await run('resize', { IH: x.shape[0], IW: x.shape[1], C: x.shape[2], OH: h, OW: w }, n(shape), x.data), shape);
    },
    dispose(x) {
      const d = x.data as { delete?: () => void };
      if (pipeline && typeof d?.delete === 'function') d.delete();
    },
  };
}
