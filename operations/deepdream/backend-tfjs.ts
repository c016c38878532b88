/**
 * `cpu` backend: @tensorflow/tfjs-core on tfjs-backend-wasm (XNNPACK). Built from plain ops:
 * tfjs's fused-conv gradient needs Conv2DBackpropFilter, which wasm lacks, and its
 * Conv2DBackpropInput, MaxPoolGrad and AvgPoolGrad are naive loops (8x slower than XNNPACK
 * here). So the input gradient of a stride-1 conv is itself a conv with the kernel flipped and
 * its channels swapped (XNNPACK); a strided conv's is one matmul (dy x W^T, every tap at once)
 * followed by col2im in JS; max-pool's is a JS loop; avg-pool's is an avg-pool. dataSync() is
 * free of waiting on wasm, which computes synchronously.
 */
import type * as Tf from '@tensorflow/tfjs-core';
import type { TensorBackend } from './backend.ts';
import { col2im, maxPoolBackward as maxPoolBackwardJs } from './js-kernels.ts';
import { padBefore, type ConvSpec, type PoolSpec, type Shape } from './net-types.ts';
import { dreamThreads } from './thread-count.ts';
import { withWasmThreads } from './wasm-threads.ts';

type T4 = Tf.Tensor4D;
type Pad4 = [[number, number], [number, number], [number, number], [number, number]];

interface ConvTensors {
  w: T4;
  b: Tf.Tensor1D;
  /** Stride 1: flip(w) over kh, kw with cin and cout swapped. Strided: w as [cout, kh*kw*cin]. */
  back: Tf.Tensor;
}

let ready: Promise<typeof Tf> | undefined;
let instance: Promise<TensorBackend<T4>> | undefined;
/** Cached 'same' pool counts by shape; dropped wholesale past this many shapes. */
const MAX_COUNT_SHAPES = 64;

async function initTf(threads: number): Promise<typeof Tf> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-wasm');
  const start = async () => {
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
    await tf.ready();
  };
  await (threads > 1 ? withWasmThreads(tf, threads, start) : start());
  return tf;
}

/**
 * The thread's one tfjs backend (tfjs has one engine; its device weights are cached per conv),
 * on `threads` XNNPACK threads (default IMGFLOW_DEEPDREAM_THREADS, else the CPU count): fixed
 * by the first call.
 */
export function createTfjsBackend(threads = dreamThreads()): Promise<TensorBackend<T4>> {
  instance ??= buildTfjsBackend(threads);
  return instance;
}

async function buildTfjsBackend(threads: number): Promise<TensorBackend<T4>> {
  ready ??= initTf(threads);
  const tf = await ready;
  const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as { getThreadsCount(): number };
  const convs = new WeakMap<ConvSpec, ConvTensors>();
  const prepared = (conv: ConvSpec): ConvTensors => {
    let c = convs.get(conv);
    if (!c) {
      const w = tf.tensor4d(conv.weights, [conv.kh, conv.kw, conv.cin, conv.cout]);
      const back = tf.tidy(() =>
        conv.stride === 1 ? tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) : tf.transpose(tf.reshape(w, [conv.kh * conv.kw * conv.cin, conv.cout])),
      );
      c = { w, b: tf.tensor1d(conv.bias), back };
      convs.set(conv, c);
    }
    return c;
  };
  const counts = new Map<string, T4>();
  /** How many in-image pixels each 'same' avg-pool window covers, [1, h, w, 1]. */
  const poolCounts = (h: number, w: number, pool: PoolSpec): T4 => {
    const key = `${h}x${w}/${pool.size}`;
    let c = counts.get(key);
    if (!c) {
      if (counts.size >= MAX_COUNT_SHAPES) {
        for (const t of counts.values()) t.dispose();
        counts.clear();
      }
      const before = padBefore(h, pool.size, 1, 'same');
      const span = (i: number, n: number): number => Math.min(n - 1, i - padBefore(n, pool.size, 1, 'same') + pool.size - 1) - Math.max(0, i - before) + 1;
      const data = new Float32Array(h * w);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = span(y, h) * span(x, w);
      c = tf.keep(tf.tensor4d(data, [1, h, w, 1]));
      counts.set(key, c);
    }
    return c;
  };

  return {
    name: 'cpu',
    description: `tfjs-core ${tf.version_core} on ${tf.getBackend()} (XNNPACK, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}, ${wasm.getThreadsCount()} thread(s))`,
    async upload(data, [h, w, c]) {
      return tf.tensor4d(data, [1, h, w, c]);
    },
    async read(t) {
      return (await t.data()) as Float32Array;
    },
    async conv2d(x, conv, relu) {
      const { w, b } = prepared(conv);
      return tf.fused.conv2d({ x, filter: w, strides: conv.stride, pad: conv.padding, bias: b, activation: relu ? 'relu' : 'linear' });
    },
    async conv2dBackwardInput(dy, conv, [ih, iw]) {
      const { back } = prepared(conv);
      const s = conv.stride;
      return tf.tidy(() => {
        const [, oh, ow, co] = dy.shape;
        if (s === 1) {
          const top = conv.kh - 1 - padBefore(ih, conv.kh, s, conv.padding);
          const left = conv.kw - 1 - padBefore(iw, conv.kw, s, conv.padding);
          const pad: Pad4 = [[0, 0], [top, ih + conv.kh - 1 - oh - top], [left, iw + conv.kw - 1 - ow - left], [0, 0]];
          return tf.conv2d(dy, back as T4, 1, pad);
        }
        if (conv.padding !== 'valid') throw new Error('strided same conv is not supported');
        // cols[i, j, tap, ci] = sum_co dy[i, j, co] w[tap, ci, co]
        const cols = tf.matMul(tf.reshape(dy, [oh * ow, co]), back as Tf.Tensor2D).dataSync() as Float32Array;
        return tf.tensor4d(col2im(cols, oh, ow, conv.kh, conv.kw, s, [ih, iw, conv.cin]), [1, ih, iw, conv.cin]);
      });
    },
    async reluBackward(dy, y) {
      return tf.tidy(() => tf.mul(dy, tf.step(y)) as T4);
    },
    async maxPool(x, pool) {
      return tf.maxPool(x, pool.size, pool.stride, pool.padding);
    },
    async maxPoolBackward(dy, x, y, pool) {
      if (pool.padding !== 'valid') throw new Error('same max-pool is not supported');
      const [, ih, iw, c] = x.shape;
      const dx = maxPoolBackwardJs(dy.dataSync() as Float32Array, x.dataSync() as Float32Array, [ih, iw, c], pool.size, pool.stride);
      return tf.tensor4d(dx, [1, ih, iw, c]);
    },
    async avgPool(x, pool) {
      return tf.avgPool(x, pool.size, pool.stride, pool.padding);
    },
    async avgPoolBackward(dy, [h, w, c], pool) {
      if (pool.stride !== 1 || pool.padding !== 'same' || dy.shape[3] !== c) throw new Error('only 3x3/1 same avg-pool is supported');
      // Window (i, j) spreads dy/count over the same pixels window (i, j) of an avg-pool reads.
      return tf.tidy(() => {
        const cnt = poolCounts(h, w, pool); // cached: kept out of tidy
        return tf.mul(tf.avgPool(tf.div(dy, cnt) as T4, pool.size, 1, 'same'), cnt) as T4;
      });
    },
    async concat(xs) {
      return tf.concat(xs, 3);
    },
    async sliceChannels(x, begin, size) {
      return tf.slice(x, [0, 0, 0, begin], [-1, -1, -1, size]);
    },
    async add(a, b) {
      return tf.add(a, b) as T4;
    },
    async resize(x, h, w) {
      return tf.image.resizeBilinear(x, [h, w], false, true);
    },
    dispose(t) {
      t.dispose();
    },
  };
}
