/**
 * Preview runs: evaluate a graph on its sample with every node's output collected, and turn
 * each into a small PNG data URL. Graphs still being drawn are completed for the run only: a
 * missing `output` export goes to the last image node, a missing `input` export to the first
 * node whose image input is unconnected.
 */
import sharp from 'sharp';
import {
  bindParameters, compileGraph, evaluatePlan, ImgflowError, inlineSubgraphs, isEditorSink, isEditorSource, loadImageParams, SOURCE,
  type GraphJson, type NodeMemo, type Plan, type Runtime,
} from '../runtime/index.ts';
import type { Params, RawImage } from '../operations/index.ts';

export interface Preview {
  type: 'previewurl';
  /** `data:image/png;base64,...` */
  url: string;
  /** Size of the image on the edge. */
  width: number;
  height: number;
  channels: number;
  /** Size of the preview itself (longest side at most the preview size). */
  previewWidth: number;
  previewHeight: number;
}

export interface PreviewRun {
  /** Previews by producing node id; SOURCE for the sample. */
  previews: Map<string, Preview>;
  output?: Preview;
  /** A node failed: its id (when known) and message. */
  error?: { node?: string; message: string; code?: string };
  /** Properties the graph sets that are accepted but not honoured (GEGL-only ones), one line each. */
  notes?: string[];
  /** With `memo`: the nodes whose image came from an earlier run, of how many the run needed. */
  reuse?: { nodes: string[]; of: number };
}


function mainImagePort(runtime: Runtime, component: string): string | undefined {
  const c = runtime.registry.get(component);
  if (!c) return undefined;
  const ports = Object.keys(c.imageInputs);
  return ports.includes('input') ? 'input' : ports[0];
}

/** The graph as a preview run sees it (never saved). */
export function previewGraph(runtime: Runtime, graph: GraphJson): GraphJson {
  // Subgraph nodes are inlined first, so their insides are image nodes like any other.
  const g = structuredClone(inlineSubgraphs('preview', graph, runtime.resolveGraph, new Map()));
  const imageNodes = Object.keys(g.processes).filter((id) => runtime.registry.get(g.processes[id].component) && !isEditorSink(g.processes[id].component)).sort();
  const isImage = (id: string) => imageNodes.includes(id) && !isEditorSource(g.processes[id].component);
  if (!g.outports || Object.keys(g.outports).length === 0) {
    const feeding = new Set(g.connections.filter((c) => c.src && isImage(c.tgt.process)).map((c) => c.src!.process));
    const sinks = imageNodes.filter((id) => isImage(id) && !feeding.has(id));
    const last = sinks[sinks.length - 1];
    if (last) g.outports = { output: { process: last, port: 'output' } };
  }
  if (!g.inports?.input) {
    const fed = new Set(g.connections.filter((c) => c.src && !isEditorSource(g.processes[c.src.process]?.component ?? '')).map((c) => `${c.tgt.process}.${c.tgt.port}`));
    const first = imageNodes.filter(isImage).find((id) => {
      const port = mainImagePort(runtime, g.processes[id].component);
      return port !== undefined && !fed.has(`${id}.${port}`);
    });
    if (first) g.inports = { ...(g.inports ?? {}), input: { process: first, port: mainImagePort(runtime, g.processes[first].component)! } };
  }
  return g;
}

async function toPreview(img: RawImage, size: number): Promise<Preview> {
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels } })
    .resize(size, size, { fit: 'inside', withoutEnlargement: true })
    .png({ compressionLevel: 6 })
    .toBuffer({ resolveWithObject: true });
  return {
    type: 'previewurl',
    url: `data:image/png;base64,${data.toString('base64')}`,
    width: img.width,
    height: img.height,
    channels: img.channels,
    previewWidth: info.width,
    previewHeight: info.height,
  };
}

async function decodeRaw(bytes: Buffer, limitInputPixels: number): Promise<RawImage> {
  const { data, info } = await sharp(bytes, { autoOrient: true, limitInputPixels }).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels as RawImage['channels'] };
}

/** The node whose image a node's output edge carries: itself, or what it passes through. */
function producerOf(plan: Plan, id: string, produced: Map<string, unknown>): string {
  let cur = id;
  for (let i = 0; i <= plan.nodes.size && cur !== SOURCE && !produced.has(cur); i++) {
    const node = plan.nodes.get(cur);
    if (!node) return cur;
    cur = node.inputs.input ?? SOURCE;
  }
  return cur;
}

export interface PreviewRunOptions {
  runtime: Runtime;
  graphId: string;
  graph: GraphJson;
  input: Buffer;
  params: Params;
  size: number;
  signal: AbortSignal;
  timeoutMs?: number;
  /** Progress of long operations (deepdream): fraction 0..1 with octave/iteration detail. */
  onProgress?: (fraction: number, detail: Record<string, unknown>) => void;
  /** Reads an image parameter's value (a data: or http(s) URL) and checks it; without it they stay unset. */
  loadImage?: (ref: string, signal: AbortSignal) => Promise<Buffer>;
  /** sharp's limitInputPixels for the sample and image parameters (IMGFLOW_MAX_INPUT_PIXELS). */
  limitInputPixels: number;
  /** Node images of earlier runs (preview-memory.ts): unchanged nodes are not run again. */
  memo?: NodeMemo;
}

export async function runPreview(o: PreviewRunOptions): Promise<PreviewRun> {
  const { runtime } = o;
  const previews = new Map<string, Preview>();
  const graph = previewGraph(runtime, o.graph);
  let plan: Plan;
  try {
    plan = compileGraph(o.graphId, graph, runtime.registry, { ...runtime.limits, resolveGraph: runtime.resolveGraph });
    if (Object.keys(o.params).length) plan = bindParameters(plan, o.params);
  } catch (err) {
    const e = err as ImgflowError;
    const node = typeof e.details?.node === 'string' ? e.details.node : undefined;
    return { previews, error: { node, message: e.message, code: e.code } };
  }
  const raw = new Map<string, RawImage>();
  let decodedInput: RawImage;
  try {
    decodedInput = await decodeRaw(o.input, o.limitInputPixels);
    raw.set(SOURCE, decodedInput);
  } catch (err) {
    return { previews, error: { message: `Sample image could not be decoded: ${(err as Error).message.split('\n')[0]}` } };
  }
  let error: PreviewRun['error'];
  let reuse: PreviewRun['reuse'];
  try {
    const loadImage = o.loadImage;
    const images = loadImage ? await loadImageParams(plan, o.params, (ref) => loadImage(ref, o.signal)) : undefined;
    const { timings } = await runtime.limiter.run(() => evaluatePlan(plan, runtime.registry, {
      input: o.input,
      decodedInput,
      images,
      limitInputPixels: o.limitInputPixels,
      format: 'png',
      signal: o.signal,
      timeoutMs: o.timeoutMs ?? 30_000,
      collect: (id, img) => raw.set(id, img),
      onProgress: o.onProgress,
      compute: runtime.compute,
      memo: o.memo,
    }));
    if (o.memo) reuse = { nodes: timings.filter((t) => t.reused).map((t) => t.nodes[0]), of: timings.filter((t) => t.kind !== 'encode').length };
  } catch (err) {
    if (o.signal.aborted) throw err;
    const e = err instanceof ImgflowError ? err : undefined;
    const nodes = e?.details?.nodes;
    // With `collect` nodes run one at a time in plan order, and the sample decoded above: a
    // failure the executor could not attribute (it may call it a corrupt input) is the first
    // node that produced nothing.
    const node = Array.isArray(nodes) && typeof nodes[0] === 'string' && nodes[0] !== SOURCE ? nodes[0]
      : plan.order.find((id) => !raw.has(id) && !plan.nodes.get(id)!.skip && plan.nodes.get(id)!.kind !== 'encoder');
    error = { node, message: e?.message ?? (err as Error).message, code: e?.code };
  }
  for (const [id, img] of raw) previews.set(id, await toPreview(img, o.size));
  // Skipped (identity), encoder and editor-source nodes show the image they pass on.
  for (const id of Object.keys(graph.processes)) {
    if (previews.has(id)) continue;
    const from = isEditorSource(graph.processes[id].component) ? SOURCE : plan.nodes.has(id) ? producerOf(plan, id, raw) : undefined;
    const p = from === undefined ? undefined : previews.get(from);
    if (p) previews.set(id, p);
  }
  // A subgraph node shows what its exported output carries (`<node>/<inner node>`).
  for (const [id, proc] of Object.entries(o.graph.processes)) {
    const inner = previews.has(id) ? undefined : runtime.resolveGraph(proc.component)?.graph.outports?.output?.process;
    const p = inner === undefined ? undefined : previews.get(`${id}/${inner}`);
    if (p) previews.set(id, p);
  }
  const outId = graph.outports?.output?.process;
  const notes = plan.ignored.map((i) => `${i.node}.${i.property} (${i.component}) is accepted but not honoured: ${i.note}`);
  return { previews, output: outId ? previews.get(outId) : undefined, error, ...(notes.length ? { notes } : {}), ...(reuse ? { reuse } : {}) };
}
