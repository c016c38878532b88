/**
 * The kernel descriptor: what an operation file puts in `kernel: {kernel: ...}`.
 * operations/kernels fuses descriptors into generated gpu.js kernels (see README.md for the
 * pixel layout and the fusion rule).
 */
import type { OperationDef, Params, RawImage } from '../define.ts';

/** What a descriptor's `source` may use to refer to its inputs inside the generated kernel. */
export interface KernelSource {
  /** Uniform slot `i` of this step (the `uniforms()` array), as a kernel expression. */
  p(i: number): string;
  /** Uniform slot at a computed index: `pAt('idx')` is this step's slot `idx` (a lookup table). */
  pAt(index: string): string;
  /** A local variable name private to this step (steps are inlined into one function body). */
  v(name: string): string;
  /**
   * Channel `c` (0..3) of the pass input at pixel (x + dx, y + dy), edges clamped.
   * `dx`/`dy` must be integer-valued expressions. Neighbourhood ops only.
   */
  img(dx: string, dy: string, c: number): string;
  /** The aux image's pixel at (x, y) as four variable names (transparent outside the aux image). */
  aux: { r: string; g: string; b: string; a: string };
  /**
   * Channel `c` (`r`, `g` or `b`) clamped to 0..1: the clamp expression, or the bare name when
   * the steps before this one guarantee the range (their `range`). A clamp costs a few ns a
   * channel on the CPU backend, and a chain would otherwise clamp the same values at every step.
   */
  unit(c: 'r' | 'g' | 'b'): string;
  /** Whether r, g, b are known to be in 0..1 where this step starts (what `unit` goes by). */
  unitIn: boolean;
}

/**
 * What a step guarantees about `r, g, b` when it ends: `unit`, in 0..1 whatever came in;
 * `keeps-unit`, in 0..1 when they came in so. Alpha is not tracked.
 */
export type KernelRange = 'unit' | 'keeps-unit';

export interface KernelDescriptor {
  /**
   * `point`: the output pixel depends only on the same pixel (and the same aux pixel).
   * `neighbourhood`: it reads other pixels of the input; it starts a new pass.
   */
  kind: 'point' | 'neighbourhood';
  /**
   * Kernel statements that update the straight-alpha floats `r, g, b, a` (0..1). Also in
   * scope: `x`, `y` (pixel, 0-based, y = 0 is the top row), `w`, `h` (image size). May depend
   * on `params` (a mode, a kernel size): compiled kernels are cached by source, and on a GPU a
   * new source is a shader compile, so values belong in `uniforms`.
   */
  source(k: KernelSource, params: Params): string;
  /**
   * The step's numeric inputs, passed as kernel arguments: changing them never recompiles.
   * `size` is the image's (for values such as a centre); the count must not depend on it.
   */
  uniforms(params: Params, size?: { width: number; height: number }): number[];
  /**
   * What the step guarantees about r, g, b afterwards (see KernelRange); may depend on params
   * (a strength above 1 breaks `keeps-unit`). Default: nothing, so the next clamp stays.
   */
  range?(params: Params): KernelRange | undefined;
  /** Neighbourhood ops that iterate (noise-reduction): how many passes to run. Default 1. */
  repeat?(params: Params): number;
  /**
   * Point ops that assign `a` (blend, gradient-map, an rgba colour matrix) say so: a CPU pass
   * whose steps all leave alpha alone skips returning it (the download copies it from the
   * input), which saves a boxed number per pixel. Neighbourhood ops always count as writing it.
   * spec/kernels/fusion.spec.ts checks every point op against this.
   */
  writesAlpha?(params: Params): boolean;
  /** The image port read as `k.aux` (e.g. 'aux'); point ops only. */
  auxPort?: string;
  /** Checks what the parameter schema cannot express (a matrix string); throws KernelParamError. */
  validate?(params: Params): void;
}

/** One node of a kernel stage, as the runtime hands it over. */
export interface KernelStep {
  op: OperationDef;
  params: Params;
  aux: Record<string, RawImage>;
}

/** A parameter the schema let through but the operation cannot use: a 400, never a 500. */
export class KernelParamError extends Error {
  readonly statusCode = 400;
  readonly code = 'IMGFLOW_ERR_PARAM_INVALID';
  readonly details: Record<string, unknown>;
  constructor(param: string, expected: string, received: unknown) {
    super(`Expected ${expected} for ${param} but received ${String(received)}`);
    this.name = 'KernelParamError';
    this.details = { param, expected };
  }
}

/** A parameter value in 0..1: what most `range` guarantees rest on (a mix by strength). */
export function inUnit(v: unknown): boolean {
  const n = Number(v);
  return n >= 0 && n <= 1;
}

export function point(d: Omit<KernelDescriptor, 'kind'>): { kernel: KernelDescriptor } {
  return { kernel: { kind: 'point', ...d } };
}

export function neighbourhood(d: Omit<KernelDescriptor, 'kind' | 'auxPort'>): { kernel: KernelDescriptor } {
  return { kernel: { kind: 'neighbourhood', ...d } };
}

export function descriptorOf(op: OperationDef): KernelDescriptor {
  const d = op.kernel?.kernel as KernelDescriptor | undefined;
  if (!d || typeof d.source !== 'function' || typeof d.uniforms !== 'function') {
    throw new Error(`Operation ${op.name} has no kernel descriptor`);
  }
  return d;
}
