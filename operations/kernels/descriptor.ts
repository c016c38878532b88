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
}

export interface KernelDescriptor {
  /**
   * `point`: the output pixel depends only on the same pixel (and the same aux pixel).
   * `neighbourhood`: it reads other pixels of the input; it starts a new pass.
   */
  kind: 'point' | 'neighbourhood';
  /**
   * Kernel statements that update the straight-alpha floats `r, g, b, a` (0..1). Also in
   * scope: `x`, `y` (pixel, 0-based, y = 0 is the top row), `w`, `h` (image size). May depend
   * on `params` only through what `structure(params)` encodes.
   */
  source(k: KernelSource, params: Params): string;
  /** The step's numeric inputs, passed as kernel arguments: changing them never recompiles. */
  uniforms(params: Params): number[];
  /**
   * Whatever changes the generated source or the number of uniforms (a kernel size, a blend
   * mode): part of the compiled-kernel cache key. Default: none.
   */
  structure?(params: Params): string;
  /** Neighbourhood ops that iterate (noise-reduction): how many passes to run. Default 1. */
  repeat?(params: Params): number;
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
