/**
 * The small tensor interface a dream needs: forward ops of the InceptionV3 trunk and their
 * gradients with respect to the input only (never the weights). Tensors are one image,
 * channels last ([h, w, c], batch 1); every op may complete asynchronously (WebGPU does).
 */
import type { ObjectiveSpec } from './gradient.ts';
import type { ConvSpec, NetNode, PoolSpec, Shape } from './net-types.ts';

export type BackendName = 'cpu' | 'gpu';

export interface TensorBackend<T = unknown> {
  readonly name: BackendName;
  /** What actually runs, for logs and bench output (e.g. "tfjs-wasm (XNNPACK, SIMD)"). */
  readonly description: string;
  upload(data: Float32Array, shape: Shape): Promise<T>;
  read(t: T): Promise<Float32Array>;
  /** Convolution with folded bias, then ReLU when `relu`. */
  conv2d(x: T, conv: ConvSpec, relu: boolean): Promise<T>;
  /** Gradient of a conv's output w.r.t. its input, for an input of `inShape`. */
  conv2dBackwardInput(dy: T, conv: ConvSpec, inShape: Shape): Promise<T>;
  /** dy where the ReLU output `y` is positive, else 0. */
  reluBackward(dy: T, y: T): Promise<T>;
  maxPool(x: T, pool: PoolSpec): Promise<T>;
  /** Routes dy to the first maximum of each window (x: pool input, y: pool output). */
  maxPoolBackward(dy: T, x: T, y: T, pool: PoolSpec): Promise<T>;
  /** Average pool; windows that overlap the border average only the pixels inside. */
  avgPool(x: T, pool: PoolSpec): Promise<T>;
  avgPoolBackward(dy: T, inShape: Shape, pool: PoolSpec): Promise<T>;
  concat(xs: T[]): Promise<T>;
  sliceChannels(x: T, begin: number, size: number): Promise<T>;
  add(a: T, b: T): Promise<T>;
  /** Bilinear, half-pixel centres. */
  resize(x: T, h: number, w: number): Promise<T>;
  dispose(t: T): void;
  /**
   * Forward to the last node and the input gradient in one call, the objective's seed made inside
   * (engines that run a whole graph faster than op by op). Absent: objectiveGradient goes op by op.
   */
  wholeGradient?(nodes: NetNode[], input: Float32Array, h: number, w: number, objective: ObjectiveSpec): Promise<{ activation: Float32Array; shape: Shape; grad: Float32Array }>;
}
