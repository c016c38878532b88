/**
 * Runs a compiled plan on one input image. Stages hand each other raw pixels; the input is
 * decoded once (inside the first sharp pipeline when only one stage reads it) and the result
 * is encoded once (inside the last sharp pipeline when it ends the graph).
 */
import sharp, { type Sharp } from 'sharp';
import type { OutputFormat, Params, RawImage } from '../operations/define.ts';
import { errors, ImgflowError } from './errors.ts';
import { IMAGE_PARAM, resolveInput, resolveProducer, SOURCE, u8WhereSizeKept, type Plan, type PlanNode, type Stage } from './compiler.ts';
import { nodeKeys } from './node-keys.ts';
import type { Registry } from './registry.ts';
import { ComputeAborted, type ComputePool } from './offload/compute-pool.ts';
import { ownValue } from './own-keys.ts';
import { decodeCmykJpeg, sameFormatSize } from './source-image.ts';
import { keepsFrames } from './frames.ts';
import { greyscaleRaw, rawPixels } from '../operations/_internal/sharp-raw.ts';

export interface EvaluateOptions {
  /** The encoded source image (already checked for format and pixel count by the caller). */
  input: Buffer;
  /** `input` already decoded (auto-oriented), when the caller has it: it is not decoded again. */
  decodedInput?: RawImage;
  /** Encoded secondary images for the graph's image parameters, by parameter name (checked likewise). */
  images?: Record<string, Buffer>;
  format: OutputFormat;
  /**
   * Used instead of `format` when the result has transparency (a negotiated format: a client
   * that takes PNG gets one rather than a JPEG that flattens the alpha).
   */
  alphaFormat?: OutputFormat;
  /** Encoder options over the format's defaults (and over an encoder node in the graph). */
  encoderParams?: Params;
  limitInputPixels?: number;
  timeoutMs?: number;
  /** Receives each node's output; forces one stage per node (Flowhub edge previews). */
  collect?: (nodeId: string, image: RawImage) => void;
  /**
   * With `collect`: node images from earlier runs, by node key (runtime/node-keys.ts). A node
   * whose key is found is not run; every node run is offered to `set`. Images are shared, never
   * written to, so a kept one stays valid.
   */
  memo?: NodeMemo;
  onProgress?: (fraction: number, detail: Record<string, unknown>) => void;
  signal?: AbortSignal;
  /**
   * Worker threads for kernel, pixel and process stages. Without one they run on the calling
   * thread, which a server must never do: they are plain JavaScript and can run for seconds.
   */
  compute?: ComputePool;
}

export interface NodeMemo {
  /** bytesKey of `input`: the identity every node key starts from. */
  inputKey: string;
  get(key: string): RawImage | undefined;
  set(key: string, image: RawImage): void;
}

export interface StageTiming { kind: Stage['kind'] | 'decode' | 'encode'; nodes: string[]; ms: number; reused?: true }

export interface EvaluateResult {
  bytes: Buffer;
  format: OutputFormat;
  width: number;
  height: number;
  timings: StageTiming[];
  /** What the plan cost: compressed decodes, encodes and sharp pipelines built. */
  stats: { decodes: number; encodes: number; pipelines: number };
}

interface Run {
  plan: Plan;
  options: EvaluateOptions;
  registry: Registry;
  values: Map<string, RawImage>;
  stats: EvaluateResult['stats'];
  timings: StageTiming[];
  deadline: number;
  /**
   * The deadline as a signal, made once and held here for the whole run: AbortSignal.timeout's
   * timer holds its signal only weakly, and so does AbortSignal.any its sources, so a timeout
   * signal nothing else references can be garbage-collected before it fires (nodejs/node#57736).
   * It was: with a client signal present, a GC during a compute stage left the stage running
   * past its limit until it finished (a 1 s limit answered after 17.8 s, with gc() every 20 ms).
   */
  deadlineSignal?: AbortSignal;
  /** The input is decoded with all its frames (see keepsFrames). */
  animated: boolean;
}

/** True when some pixel is not fully opaque: an alpha channel that is all 255 is no transparency. */
function hasTransparency(img: RawImage): boolean {
  if (img.channels !== 2 && img.channels !== 4) return false;
  for (let i = img.channels - 1; i < img.data.length; i += img.channels) if (img.data[i] !== 255) return true;
  return false;
}

function remainingSeconds(run: Run): number {
  if (!Number.isFinite(run.deadline)) return 0;
  const left = Math.ceil((run.deadline - Date.now()) / 1000);
  if (left <= 0) throw errors.IMGFLOW_ERR_PROCESSING_TIMEOUT({}, undefined, run.options.timeoutMs);
  return left;
}

function fromSource(run: Run): Sharp {
  run.stats.decodes++;
  run.stats.pipelines++;
  const pipe = sharp(run.options.input, { limitInputPixels: run.options.limitInputPixels ?? 0x3fff * 0x3fff, autoOrient: true, animated: run.animated });
  const t = remainingSeconds(run);
  return t ? pipe.timeout({ seconds: t }) : pipe;
}

function fromRaw(run: Run, img: RawImage): Sharp {
  run.stats.pipelines++;
  const pipe = sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels } });
  const t = remainingSeconds(run);
  return t ? pipe.timeout({ seconds: t }) : pipe;
}

/** A greyscale pipeline's raw pixels keep its alpha at the cost of a second pipeline (see rawPixels). */
async function toRaw(run: Run, pipe: Sharp): Promise<RawImage> {
  if (greyscaleRaw(pipe)) run.stats.pipelines++;
  return rawPixels(pipe);
}

/** Wraps library failures: a bad input is the user's 4xx, anything else names the node. */
function asProcessingError(err: unknown, nodes: string[], fromSourceBytes: boolean): ImgflowError {
  if (err instanceof ImgflowError) return err;
  const message = (err as Error)?.message ?? String(err);
  // Operations may refuse parameters they can only check at run time (a convolution matrix).
  const { statusCode, code } = err as { statusCode?: unknown; code?: unknown };
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 && typeof code === 'string' && code.startsWith('IMGFLOW_ERR_')) {
    return new ImgflowError(code, statusCode, message, { nodes }, err);
  }
  if (/pixel limit/i.test(message)) return errors.IMGFLOW_ERR_INPUT_TOO_MANY_PIXELS({}, err, 'too many', 'the configured limit');
  if (/timeout/i.test(message)) return errors.IMGFLOW_ERR_PROCESSING_TIMEOUT({}, err, 'the configured');
  // Only libvips' loaders' words mean a broken input; 'bad extract area' is the graph's doing.
  if (fromSourceBytes && /unsupported image format|corrupt|premature end|truncated|not a known file format|(jpeg|png|gif|webp|heif|tiff)load|VipsJpeg|libpng|libspng/i.test(message)) {
    return errors.IMGFLOW_ERR_INPUT_CORRUPT({}, err, message.split('\n')[0]);
  }
  return errors.IMGFLOW_ERR_PROCESSING({ nodes }, err, nodes.join(', '), message.split('\n')[0]);
}

async function sourceRaw(run: Run): Promise<RawImage> {
  let img = run.values.get(SOURCE);
  if (!img) {
    try {
      img = await toRaw(run, fromSource(run));
    } catch (err) {
      throw asProcessingError(err, [SOURCE], true);
    }
    run.values.set(SOURCE, img);
  }
  return img;
}

/** The input's size as the graph sees it (auto-oriented), from its header unless decoded. */
async function sourceSize(run: Run): Promise<{ width: number; height: number }> {
  const decoded = run.values.get(SOURCE);
  if (decoded) return { width: decoded.width, height: decoded.height };
  try {
    const m = await sharp(run.options.input).metadata();
    const turned = (m.orientation ?? 1) >= 5;
    return { width: (turned ? m.height : m.width) ?? 0, height: (turned ? m.width : m.height) ?? 0 };
  } catch (err) {
    throw asProcessingError(err, [SOURCE], true);
  }
}

async function imageParamRaw(run: Run, id: string): Promise<RawImage> {
  let img = run.values.get(id);
  if (!img) {
    const name = id.slice(IMAGE_PARAM.length);
    const bytes = ownValue(run.options.images, name);
    if (!bytes) throw errors.IMGFLOW_ERR_PARAM_MISSING({ parameter: name }, undefined, name);
    run.stats.decodes++;
    run.stats.pipelines++;
    try {
      img = await toRaw(run, sharp(bytes, { limitInputPixels: run.options.limitInputPixels ?? 0x3fff * 0x3fff, autoOrient: true }));
    } catch (err) {
      throw asProcessingError(err, [name], true);
    }
    run.values.set(id, img);
  }
  return img;
}

async function valueOf(run: Run, id: string): Promise<RawImage> {
  if (id === SOURCE) return sourceRaw(run);
  if (id.startsWith(IMAGE_PARAM)) return imageParamRaw(run, id);
  const v = run.values.get(id);
  if (!v) throw new Error(`internal: ${id} evaluated out of order`);
  return v;
}

async function auxOf(run: Run, node: PlanNode): Promise<Record<string, RawImage>> {
  const aux: Record<string, RawImage> = {};
  for (const port of Object.keys(node.inputs)) if (port !== 'input') aux[port] = await valueOf(run, resolveInput(run.plan, node.id, port));
  return aux;
}

function encoderFor(run: Run, format: OutputFormat) {
  const { encoderParams } = run.options;
  const encoderNode = run.plan.encoder;
  const op = encoderNode?.component.op.encoder?.format === format ? encoderNode.component.op : run.registry.get(`imgflow/encode-${format}`)?.op;
  if (!op?.encoder) throw errors.IMGFLOW_ERR_FORMAT_UNSUPPORTED({ format }, undefined, format, 'jpeg, png, webp, avif, tiff, gif');
  const defaults: Params = {};
  for (const [k, spec] of Object.entries(op.params)) if (spec.default !== undefined) defaults[k] = spec.default;
  const fromGraph = op === encoderNode?.component.op ? encoderNode.params : {};
  return (pipe: Sharp) => op.encoder!.apply(pipe, { ...defaults, ...fromGraph, ...run.plan.encoderParams, ...encoderParams });
}

interface Encoded { data: Buffer; format: OutputFormat; width: number; height: number }

async function encode(run: Run, pipe: Sharp): Promise<Encoded> {
  let format = run.options.format;
  const { alphaFormat } = run.options;
  if (alphaFormat && alphaFormat !== format) {
    // Whether the result has transparency is known only once it is made: made raw, looked at.
    const img = await toRaw(run, pipe);
    if (hasTransparency(img)) format = alphaFormat;
    pipe = fromRaw(run, img);
  }
  run.stats.encodes++;
  const { data, info } = await encoderFor(run, format)(pipe).toBuffer({ resolveWithObject: true });
  // An animation's size is a frame's: sharp reports the stacked height and the page height.
  return { data, format, width: info.width, height: info.pageHeight ?? info.height };
}

/** True when the stage's last node is the graph's output, so the stage's own encoder ends it. */
function endsGraph(run: Run, stage: Stage): boolean {
  return resolveOutput(run.plan) === stage.nodes[stage.nodes.length - 1] && !run.options.collect;
}

function resolveOutput(plan: Plan): string {
  return resolveProducer(plan, plan.output);
}

async function runSharpStage(run: Run, stage: Stage, last: boolean): Promise<Encoded | undefined> {
  const { plan } = run;
  const first = plan.nodes.get(stage.nodes[0])!;
  const needsBase = first.component.op.name === 'composite';
  const decodeInline = stage.from === SOURCE && (plan.consumers.get(SOURCE) ?? 0) <= 1 && !needsBase && !run.values.has(SOURCE);
  let base = { width: 0, height: 0, channels: 0 };
  let pipe: Sharp;
  if (decodeInline) pipe = fromSource(run);
  else {
    const img = await valueOf(run, stage.from);
    base = { width: img.width, height: img.height, channels: img.channels };
    pipe = fromRaw(run, img);
  }
  try {
    for (const id of stage.nodes) {
      const node = plan.nodes.get(id)!;
      pipe = node.component.op.sharp!.apply(pipe, node.params, await auxOf(run, node), base);
    }
    if (last) return await encode(run, pipe);
    run.values.set(stage.nodes[stage.nodes.length - 1], await toRaw(run, pipe));
    return undefined;
  } catch (err) {
    throw asProcessingError(err, stage.nodes, decodeInline);
  }
}

/** The stage's signal: the caller's, ended also by the evaluation's time limit. */
function stageSignal(run: Run): AbortSignal | undefined {
  const signals: AbortSignal[] = [];
  if (run.options.signal) signals.push(run.options.signal);
  if (Number.isFinite(run.deadline)) signals.push(run.deadlineSignal ??= AbortSignal.timeout(Math.max(0, run.deadline - Date.now())));
  return signals.length > 1 ? AbortSignal.any(signals) : signals[0];
}

function timedOut(run: Run, cause: unknown): ImgflowError {
  return errors.IMGFLOW_ERR_PROCESSING_TIMEOUT({}, cause, run.options.timeoutMs ?? 'the');
}

/** Kernel, pixel and process stages on the compute pool: the event loop stays free. */
async function runOffloaded(run: Run, stage: Stage, img: RawImage, compute: ComputePool): Promise<RawImage> {
  remainingSeconds(run);
  const steps = [];
  for (const id of stage.nodes) {
    const node = run.plan.nodes.get(id)!;
    steps.push({ op: node.component.op.name, params: node.params, aux: await auxOf(run, node) });
  }
  const node = run.plan.nodes.get(stage.nodes[0])!;
  const onProgress = stage.kind === 'process' && run.options.onProgress
    ? (fraction: number, detail: Record<string, unknown>) => run.options.onProgress?.(fraction, { node: node.id, ...detail })
    : undefined;
  try {
    const cooperative = stage.kind === 'process' && node.component.op.cooperative === true;
    return await compute.run(stage.kind as 'kernel' | 'pixel' | 'process', steps, img, { signal: stageSignal(run), onProgress, cooperative });
  } catch (err) {
    if (err instanceof ComputeAborted) {
      if (err.reason instanceof ImgflowError) throw err.reason;
      throw timedOut(run, err.reason);
    }
    throw err;
  }
}

async function runOtherStage(run: Run, stage: Stage): Promise<void> {
  const { plan } = run;
  let img = await valueOf(run, stage.from);
  try {
    if (run.options.compute) img = await runOffloaded(run, stage, img, run.options.compute);
    else if (stage.kind === 'kernel') {
      // Loaded on first use: a graph without kernels never loads gpu.js.
      const { runKernelChain } = await import('../operations/kernels/index.ts');
      const steps = [];
      for (const id of stage.nodes) {
        const node = plan.nodes.get(id)!;
        steps.push({ op: node.component.op, params: node.params, aux: await auxOf(run, node) });
      }
      img = await runKernelChain(steps, img);
    } else {
      const node = plan.nodes.get(stage.nodes[0])!;
      const aux = await auxOf(run, node);
      if (stage.kind === 'pixel') img = node.component.op.pixel!(img, node.params, aux);
      else {
        const progress = (fraction: number, detail: Record<string, unknown> = {}) => run.options.onProgress?.(fraction, { node: node.id, ...detail });
        img = await node.component.op.process!(img, node.params, aux, { progress, signal: run.options.signal });
      }
    }
  } catch (err) {
    throw asProcessingError(err, stage.nodes, false);
  }
  run.values.set(stage.nodes[stage.nodes.length - 1], img);
}

function singleNodeStages(plan: Plan): Stage[] {
  return plan.order
    .filter((id) => !plan.nodes.get(id)!.skip && plan.nodes.get(id)!.kind !== 'encoder')
    .map((id) => ({ kind: plan.nodes.get(id)!.kind as Stage['kind'], nodes: [id], from: resolveInput(plan, id) }));
}

export async function evaluatePlan(plan: Plan, registry: Registry, options: EvaluateOptions): Promise<EvaluateResult> {
  const run: Run = {
    plan,
    options,
    registry,
    values: new Map(options.decodedInput ? [[SOURCE, options.decodedInput]] : []),
    stats: { decodes: 0, encodes: 0, pipelines: 0 },
    timings: [],
    deadline: options.timeoutMs ? Date.now() + options.timeoutMs : Infinity,
    animated: false,
  };
  if (plan.copyInput && !options.collect && !options.encoderParams) {
    const size = await sameFormatSize(options.input, options.format);
    if (size) return { bytes: options.input, format: options.format, ...size, timings: [], stats: run.stats };
  }
  if (!run.values.has(SOURCE)) {
    let cmyk: RawImage | undefined;
    try {
      cmyk = await decodeCmykJpeg(options.input, options.limitInputPixels ?? 0x3fff * 0x3fff);
    } catch (err) {
      throw asProcessingError(err, [SOURCE], true);
    }
    if (cmyk) {
      run.stats.decodes++;
      run.values.set(SOURCE, cmyk);
    }
  }
  if (plan.floatAfterResize) run.plan = plan = u8WhereSizeKept(plan, await sourceSize(run));
  const stages = options.collect ? singleNodeStages(plan) : plan.stages;
  // Previews and a pre-decoded input work on one frame; so does the raw look for transparency.
  run.animated = !options.collect && !options.decodedInput && (!options.alphaFormat || options.alphaFormat === options.format)
    && keepsFrames(plan, stages, options.format);
  const memo = options.collect ? options.memo : undefined;
  // Keyed on the plan as it runs (after u8WhereSizeKept), so a node's key says how it runs.
  const keys = memo ? nodeKeys(plan, { input: memo.inputKey, images: options.images }) : undefined;
  let result: Encoded | undefined;
  for (const [i, stage] of stages.entries()) {
    if (options.signal?.aborted) throw options.signal.reason instanceof ImgflowError ? options.signal.reason : timedOut(run, options.signal.reason);
    const t0 = performance.now();
    const last = endsGraph(run, stage) && i === stages.length - 1;
    const key = keys?.get(stage.nodes[0]);
    const kept = key === undefined ? undefined : memo!.get(key);
    if (kept) run.values.set(stage.nodes[0], kept);
    else if (stage.kind === 'sharp') result = await runSharpStage(run, stage, last);
    else await runOtherStage(run, stage);
    run.timings.push({ kind: stage.kind, nodes: stage.nodes, ms: performance.now() - t0, ...(kept ? { reused: true as const } : {}) });
    const out = run.values.get(stage.nodes[stage.nodes.length - 1]);
    if (key !== undefined && out && !kept) memo!.set(key, out);
    if (options.collect && out) options.collect(stage.nodes[0], out);
    options.onProgress?.((i + 1) / stages.length, { stage: i + 1, stages: stages.length });
  }
  if (!result) {
    const t0 = performance.now();
    const outId = resolveOutput(plan);
    const fromBytes = outId === SOURCE && !run.values.has(SOURCE);
    try {
      result = await encode(run, fromBytes ? fromSource(run) : fromRaw(run, await valueOf(run, outId)));
    } catch (err) {
      throw asProcessingError(err, [outId], fromBytes);
    }
    run.timings.push({ kind: 'encode', nodes: [outId], ms: performance.now() - t0 });
  }
  return { bytes: result.data, format: result.format, width: result.width, height: result.height, timings: run.timings, stats: run.stats };
}
