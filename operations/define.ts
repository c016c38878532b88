/**
 * The contract of an operation file (GEGL's two halves: metadata, then a few lines of work).
 * operations/ imports nothing from runtime/ or server/: the runtime validates and coerces
 * parameters against `params` before any implementation runs, so implementations do no
 * range checks of their own.
 */
import type { Sharp } from 'sharp';

/** `image` is a URL parameter naming a secondary image (a graph's exported image port other than input). */
export type ParamType = 'int' | 'number' | 'boolean' | 'string' | 'color' | 'enum' | 'image';

export interface ParamSpec {
  type: ParamType;
  description: string;
  default?: number | boolean | string;
  /** Hard limits, enforced before `run` (400 when out of range). */
  min?: number;
  max?: number;
  /** Slider hints for Flowhub; never enforced. */
  uiMin?: number;
  uiMax?: number;
  /** enum only */
  values?: readonly string[];
  unit?: string;
  required?: boolean;
}

export interface ImagePortSpec {
  description: string;
  /** `input` is always required; secondary inputs (aux) may be optional. */
  required?: boolean;
}

/**
 * Raw 8-bit interleaved pixels: the currency between stages. Never an encoded image:
 * a stage boundary costs a copy, not an encode/decode.
 */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

export type Params = Record<string, number | boolean | string>;

export interface Size { width: number; height: number }

/** A parsed colour: 0..255 channels, alpha 0..1 (what sharp's colour options take). */
export interface Rgba { r: number; g: number; b: number; alpha: number }

/**
 * A step appended to a fused sharp pipeline. sharp runs its operations in a fixed internal
 * order whatever order they are called in, so each step names its position in that order
 * (`slot`, see operations/sharp-order.ts); the compiler fuses consecutive steps only while
 * slots strictly increase, and otherwise starts a new pipeline from raw pixels.
 */
export interface SharpStep {
  /**
   * A function gets the names of the operations already in the pipeline and their parameters;
   * a negative slot means "start a new pipeline".
   */
  slot: number | ((stepsSoFar: readonly string[], paramsSoFar: readonly Params[]) => number);
  /** `base` describes the pipeline's input (meaningful to a step that must come first). */
  apply(pipe: Sharp, params: Params, aux: Record<string, RawImage>, base: { width: number; height: number; channels: number }): Sharp;
}

export type OutputFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'tiff' | 'gif';

export interface EncoderStep {
  format: OutputFormat;
  apply(pipe: Sharp, params: Params): Sharp;
}

export interface ProcessContext {
  /** Long operations report progress (0..1) with optional detail. */
  progress(fraction: number, detail?: Record<string, unknown>): void;
  signal?: AbortSignal;
  /**
   * In a compute thread, for an operation marked `cooperative`: true once the caller gave up
   * (time limit, client gone, shutdown). The operation checks it between its native calls and
   * throws; its thread is not terminated (see OperationDef.cooperative).
   */
  cancelled?: () => boolean;
}

/** A per-pixel GPU/CPU kernel, fused with its neighbours by operations/kernels (issue 5). */
/**
 * What a `process` operation ran on in its thread (e.g. DeepDream's onnxruntime-node, or
 * tfjs-wasm and why). Declared here, the lowest layer, so that the operation that makes it,
 * the compute thread that carries it and the runtime option that logs it share one shape.
 */
export interface EngineReport {
  /** A description of the engine, e.g. "onnxruntime-node 1.30.0 (MLAS, 2 intra-op thread(s)); ...". */
  engine: string;
  /** Set when the operation did not run on the engine asked for, saying why. */
  fallbackReason?: string;
  [key: string]: unknown;
}

export interface PixelKernelStep {
  /** Opaque to the runtime; interpreted by operations/kernels. */
  kernel: unknown;
}

export type OperationKind = 'sharp' | 'encoder' | 'pixel' | 'kernel' | 'process' | 'passthrough';

export interface OperationDef {
  /** kebab-case; equals the file name. Listed as `imgflow/<name>`. */
  name: string;
  title: string;
  description: string;
  /** Font-Awesome icon name without the `fa-` prefix (Flowhub renders it). */
  icon: string;
  category: 'transform' | 'blur' | 'color' | 'composite' | 'encode' | 'generate' | 'filter' | 'misc';
  /** Image inputs; `input` is the main one. Operations have one image output, `output`. */
  inputs: Record<string, ImagePortSpec>;
  params: Record<string, ParamSpec>;
  /** Exactly one implementation: */
  sharp?: SharpStep;
  encoder?: EncoderStep;
  /** Plain JS over raw pixels (for what sharp lacks and needs no fusion). */
  pixel?: (img: RawImage, params: Params, aux: Record<string, RawImage>) => RawImage;
  kernel?: PixelKernelStep;
  process?: (img: RawImage, params: Params, aux: Record<string, RawImage>, ctx: ProcessContext) => Promise<RawImage>;
  /** `nop`: the output is the input. */
  passthrough?: true;
  /** True when these parameters leave the image unchanged: the node is skipped (and fusion sees through it). */
  identity?: (params: Params) => boolean;
  /**
   * The output's size from the input's and the parameters, as the implementation will produce
   * it (spec/operations/output-size.spec.ts checks it against sharp), so that limits are checked
   * from the plan before any pixel is decoded. Absent: the output has the input's size. Where
   * the size depends on the pixels (trim), an upper bound. `aux`: sizes of secondary inputs.
   */
  outputSize?: (input: Size, params: Params, aux: Record<string, Size>) => Size;
  /**
   * Estimated CPU milliseconds per megapixel, when far from its kind's usual cost: the
   * compiler adds these up to decide whether a graph runs inline or as a job (runtime/work-class.ts).
   */
  cost?: number;
  /**
   * The operation handles an animation's frames, stacked as sharp presents them (one tall
   * image, page by page): a graph made only of such operations keeps an animated input's
   * frames when the output format can hold them. Others see the first frame only.
   */
  frames?: true;
  /**
   * A `process` operation that stops itself when ctx.cancelled() turns true, so an aborted task
   * is never ended by terminating its compute thread: onnxruntime-node (DeepDream) aborts the
   * whole process when its thread is terminated inside a native call.
   */
  cooperative?: true;
  /**
   * What a `process` operation ran on in its thread: read after each task, shown in /healthz
   * under compute.engines, and a fallbackReason is logged once by the server.
   */
  engine?: () => EngineReport | undefined;
  /**
   * imgflo compatibility: an enum parameter (values `u8` and `float`) naming which of GEGL's
   * code paths the operation follows. The compiler sets it to `float` where the node reads the
   * request's resize (imgflo put gegl:scale-size-keepaspect there, and GEGL then handed the
   * graph floats), unless the graph or the request sets it.
   */
  geglInputPath?: string;
}

export function defineOperation<T extends OperationDef>(def: T): T {
  const impls = ['sharp', 'encoder', 'pixel', 'kernel', 'process', 'passthrough'].filter((k) => k in def);
  if (impls.length !== 1) throw new Error(`Operation ${def.name} must have exactly one implementation, has ${impls.join(', ') || 'none'}`);
  if (!('input' in def.inputs)) throw new Error(`Operation ${def.name} must declare an 'input' image port`);
  return Object.freeze(def);
}

export function kindOf(def: OperationDef): OperationKind {
  if (def.sharp) return 'sharp';
  if (def.encoder) return 'encoder';
  if (def.pixel) return 'pixel';
  if (def.kernel) return 'kernel';
  if (def.process) return 'process';
  return 'passthrough';
}

/**
 * An alias exposes an operation under another component name, with parameters hidden, fixed,
 * added and mapped (GEGL's names and units): how imgflo's `gegl/*` graphs run unchanged.
 */
export interface AliasDef {
  name: string;
  of: string;
  description?: string;
  /** alias-only parameters (GEGL ports we accept and document but do not need). */
  extraParams?: Record<string, ParamSpec>;
  /** Operation parameters the alias does not expose. */
  hidden?: string[];
  /** Parameters fixed by the alias. */
  fixed?: Params;
  /** Converts alias parameter values to the operation's (e.g. GEGL's 0..1 opacity scale). */
  map?: (params: Params) => Params;
  /**
   * Ports accepted but not honoured: a graph that sets one (to anything but `honouredWhen`) or
   * exports it gets it listed, with the note, among its ignored properties (/graphs, the log).
   */
  unhonoured?: Record<string, { note: string; honouredWhen?: number | boolean | string }>;
  /** Ports the component lacks are accepted and listed as ignored (as GEGL's nop took any). */
  acceptsUnknownPorts?: boolean;
}

export function defineAlias(def: AliasDef): AliasDef {
  return Object.freeze(def);
}
