/**
 * Compiles a graph into an evaluation plan: resolve components, type-check edges, apply
 * IIPs, order topologically (ties by node id, so the plan never depends on JSON key order),
 * and group nodes into stages: runs of sharp steps fused into one pipeline, runs of kernels
 * fused into one pass.
 */
import { kindOf, type OperationKind, type ParamSpec, type Params } from '../operations/define.ts';
import { coerceParam } from './coerce.ts';
import { errors } from './errors.ts';
import { describeEdge, matchPortName, validateGraph, type GraphJson } from './graph.ts';
import { checkGraphLimits, type GraphLimits } from './graph-limits.ts';
import { ownValue } from './own-keys.ts';
import { normalizeComponentName, type Component, type Registry } from './registry.ts';
import { inlineSubgraphs, type GraphResolver } from './subgraphs.ts';

/** Editor-only nodes in Flowhub-exported imgflo graphs: a sample loader (gegl:load, gegl:jpg-load...). */
export function isEditorSource(component: string): boolean {
  return /^gegl\/([a-z0-9]+-)?load$/.test(normalizeComponentName(component));
}
/** ...and a preview sink. */
export function isEditorSink(component: string): boolean {
  return /^(imgflo\/)?processor$/.test(normalizeComponentName(component));
}

export const SOURCE = '$source';
/** Producer id of a secondary image given as a URL parameter. */
export const IMAGE_PARAM = '$image:';

/** SOURCE or an image parameter: produced outside the graph. */
export function isExternal(id: string): boolean {
  return id === SOURCE || id.startsWith(IMAGE_PARAM);
}

export interface PlanNode {
  id: string;
  component: Component;
  kind: OperationKind;
  /** Operation parameter values (coerced, defaults applied, alias-mapped), before URL params. */
  params: Params;
  /** Graph-facing IIP values (kept so URL parameters can override and re-map). */
  graphParams: Params;
  /** Image inputs: operation port -> producing node id or SOURCE. */
  inputs: Record<string, string>;
  /** Set when bound parameters make the node an identity: it is skipped like a nop. */
  skip?: boolean;
}

export interface ExportedParam {
  name: string;
  spec: ParamSpec;
  targets: { node: string; param: string }[];
}

/** A property a graph sets or exports that this runtime accepts but cannot honour. */
export interface IgnoredProperty {
  node: string;
  component: string;
  property: string;
  /** The IIP value, when the graph sets one. */
  value?: unknown;
  /** The URL parameter, when the graph exports the property. */
  parameter?: string;
  note: string;
}

export interface Stage {
  kind: 'sharp' | 'pixel' | 'kernel' | 'process';
  /** Node ids in execution order; the stage's output is the last node's output. */
  nodes: string[];
  /** Where the first node's main input comes from. */
  from: string;
}

export interface Plan {
  graph: string;
  nodes: Map<string, PlanNode>;
  order: string[];
  stages: Stage[];
  /** By exported name: a Map, because the names come from requests and graph documents. */
  parameters: Map<string, ExportedParam>;
  /** The node whose output is the graph's `output`, or SOURCE for a graph that passes the input through. */
  output: string;
  /** An encoder node feeding `output`, whose parameters set encoding options. */
  encoder?: PlanNode;
  /** How many stages read each producer's (and SOURCE's) output, seeing through skipped nodes. */
  consumers: Map<string, number>;
  /** Properties accepted but not honoured (GEGL-only ones): listed, never silently dropped. */
  ignored: IgnoredProperty[];
  /**
   * imgflo's `noop` environment: the input's own bytes are the result when the requested format
   * is the input's (animations and metadata intact); otherwise it is re-encoded.
   */
  copyInput?: boolean;
  /** Bound values of the generic encoder parameters (`quality`), over the encoder's own. */
  encoderParams?: Params;
  /**
   * Nodes given GEGL's float path because they read the request's resize (floatAfterResize):
   * the executor puts them back on `u8` where that resize keeps the input's size, as GEGL's
   * scaler then passed the 8-bit values on (u8WhereSizeKept).
   */
  floatAfterResize?: string[];
}

/** A graph whose `properties.environment.type` is `noop` (imgflo's caching proxy, e.g. for GIFs). */
export function isNoopGraph(graph: GraphJson): boolean {
  return graph.properties?.environment?.type === 'noop';
}

function noopPlan(name: string): Plan {
  return { graph: name, nodes: new Map(), order: [], stages: [], parameters: new Map(), output: SOURCE, consumers: new Map([[SOURCE, 1]]), ignored: [], copyInput: true };
}

export interface CompileOptions extends GraphLimits {
  /**
   * Give every graph the generic image parameters. `width` and `height` (imgflo's behaviour),
   * with `fit`, `position` and `dpr`: unless the graph exports its own width or height, a
   * resize node scales the input before the graph runs. `quality`: the output encoder's,
   * whatever the format, unless the graph exports a parameter of that name.
   */
  sizeParams?: boolean;
  /** Resolves graphs used as components (`graphs/<name>`); they are inlined. */
  resolveGraph?: GraphResolver;
  /** Filled with `component -> revision` of every subgraph inlined. */
  usedGraphs?: Map<string, string>;
}

const SIZE_NODE = '$size';
/** Target of the generic encoder parameters: no node, the executor's encoder reads them. */
export const ENCODER_PARAMS = '$encode';
/** The size node's parameters every graph gets (as long as it does not export width/height). */
const SIZE_PARAMS = ['width', 'height', 'fit', 'position', 'dpr'] as const;

function fail(graph: string, problem: string): never {
  throw errors.IMGFLOW_ERR_GRAPH_INVALID({ graph, problem }, undefined, graph, problem);
}

/** Merges the port spec with what the graph's inport metadata says (imgflo-graphinfo style). */
function exportedSpec(base: ParamSpec, metadata: Record<string, unknown> | undefined, iip: unknown): ParamSpec {
  const m = metadata ?? {};
  const spec: ParamSpec = { ...base };
  if (typeof m.description === 'string') spec.description = m.description;
  if (typeof m.minimum === 'number') spec.min = Math.max(m.minimum, base.min ?? -Infinity);
  if (typeof m.maximum === 'number') spec.max = Math.min(m.maximum, base.max ?? Infinity);
  if (m.default !== undefined) spec.default = m.default as ParamSpec['default'];
  else if (iip !== undefined) spec.default = iip as ParamSpec['default'];
  return spec;
}

export function compileGraph(name: string, outerGraph: GraphJson, registry: Registry, options: CompileOptions = {}): Plan {
  if (isNoopGraph(outerGraph)) return noopPlan(name);
  // Callers may hand over graphs nobody validated (previews, checks before a save), and
  // inlining can leave references dangling: every node and port reference is checked first.
  const outer = validateGraph(name, outerGraph);
  const inlined = options.resolveGraph ? inlineSubgraphs(name, outer, options.resolveGraph, options.usedGraphs ?? new Map()) : outer;
  // A graph without subgraphs comes back as it went in: checked once is enough.
  const graph = inlined === outer ? outer : validateGraph(name, inlined);
  checkGraphLimits(name, outerGraph, options, graph);
  const processIds = Object.keys(graph.processes).sort();
  const inports = graph.inports ?? {};
  const outports = graph.outports ?? {};
  const outName = matchPortName(Object.keys(outports), 'output');
  const outRef = outName !== undefined ? ownValue(outports, outName) : Object.keys(outports).length === 1 ? Object.values(outports)[0] : undefined;
  if (!outRef) fail(name, 'no exported outport named output');

  const componentName = (id: string) => graph.processes[id].component;

  // Image edges, minus those from editor sample loaders (the request's input replaces them).
  const edges = graph.connections.filter((c) => c.src && !isEditorSource(componentName(c.src.process)));

  // Keep only what `output` depends on: preview sinks and dead branches never run.
  const needed = new Set<string>();
  const visit = (id: string) => {
    if (needed.has(id)) return;
    needed.add(id);
    for (const e of edges) if (e.tgt.process === id && e.src) visit(e.src.process);
  };
  visit(outRef.process);

  const nodes = new Map<string, PlanNode>();
  for (const id of processIds) {
    if (!needed.has(id)) continue;
    const comp = componentName(id);
    if (isEditorSink(comp)) continue;
    const component = registry.get(comp);
    if (!component) throw errors.IMGFLOW_ERR_COMPONENT_UNKNOWN({ graph: name, node: id, component: comp }, undefined, id, comp);
    nodes.set(id, { id, component, kind: kindOf(component.op), params: {}, graphParams: {}, inputs: {} });
  }

  // Port names come from the graph document: only the component's own ports count, matched
  // without case as noflo matches them.
  const portOf = (node: PlanNode, wanted: string, edge: string) => {
    const image = matchPortName(Object.keys(node.component.imageInputs), wanted);
    if (image !== undefined) return { image: true as const, port: image };
    const port = matchPortName(Object.keys(node.component.params), wanted);
    if (port !== undefined) return { image: false as const, port, ignored: unhonoured(node.component, port) };
    if (node.component.alias?.acceptsUnknownPorts) {
      const note = `${node.component.name} has no property ${wanted} here; accepted and ignored, as GEGL did`;
      return { image: false as const, port: wanted, ignored: { note } };
    }
    fail(name, `edge ${edge}: node ${node.id} (${node.component.name}) has no port ${wanted}`);
  };

  const ignored: IgnoredProperty[] = [];
  for (const c of graph.connections) {
    const node = nodes.get(c.tgt.process);
    if (!node) continue;
    const edge = describeEdge(c);
    if (c.src && isEditorSource(componentName(c.src.process))) continue;
    const target = portOf(node, c.tgt.port, edge);
    if (!target.image && target.ignored && !Object.hasOwn(node.component.params, target.port)) {
      if (c.src) fail(name, `edge ${edge}: node ${node.id} (${node.component.name}) has no image port ${c.tgt.port}`);
      ignored.push({ node: node.id, component: node.component.name, property: target.port, value: c.data, note: target.ignored.note });
      continue;
    }
    if (!c.src) {
      if (target.image) fail(name, `edge ${edge}: an IIP cannot feed image port ${c.tgt.port}`);
      const honoured = target.ignored?.honouredWhen;
      if (target.ignored && !(honoured !== undefined && coerceParam(`${node.id}.${target.port}`, node.component.params[target.port], c.data) === honoured)) {
        ignored.push({ node: node.id, component: node.component.name, property: target.port, value: c.data, note: target.ignored.note });
      }
      node.graphParams[target.port] = coerceParam(`${node.id}.${target.port}`, node.component.params[target.port], c.data);
      continue;
    }
    if (!target.image) fail(name, `edge ${edge}: connects an image to ${node.component.params[target.port].type} port ${c.tgt.port}`);
    if (!nodes.has(c.src.process)) fail(name, `edge ${edge}: source node ${c.src.process} is not an image operation`);
    if (!['output', 'out'].includes(c.src.port.toLowerCase())) fail(name, `edge ${edge}: node ${c.src.process} has no output port ${c.src.port}`);
    if (Object.hasOwn(node.inputs, target.port)) fail(name, `edge ${edge}: port ${c.tgt.port} of ${node.id} already has an incoming edge`);
    node.inputs[target.port] = c.src.process;
  }

  const parameters = new Map<string, ExportedParam>();
  for (const [exported, ref] of Object.entries(inports)) {
    const node = nodes.get(ref.process);
    if (!node) continue; // exported port of a pruned node: nothing depends on it
    const target = portOf(node, ref.port, `inport ${exported}`);
    if (target.image) {
      if (Object.hasOwn(node.inputs, target.port)) fail(name, `inport ${exported}: port ${ref.port} of ${node.id} already has an incoming edge`);
      if (exported.toLowerCase() === 'input') {
        node.inputs[target.port] = SOURCE;
        continue;
      }
      // Any other exported image port is a URL parameter, bound per request.
      if (target.port === 'input') fail(name, `inport ${exported}: only the exported port named input may feed ${node.id}.input`);
      const portSpec = node.component.imageInputs[target.port];
      const description = typeof ref.metadata?.description === 'string' ? ref.metadata.description : portSpec.description;
      parameters.set(exported, { name: exported, spec: { type: 'image', description, required: portSpec.required }, targets: [{ node: node.id, param: target.port }] });
      continue;
    }
    if (target.ignored) ignored.push({ node: node.id, component: node.component.name, property: target.port, parameter: exported, note: target.ignored.note });
    if (!Object.hasOwn(node.component.params, target.port)) {
      // A port the operation lacks: the URL parameter is accepted and has no effect.
      const description = `Accepted for imgflo compatibility; has no effect (${target.ignored!.note})`;
      if (!parameters.has(exported)) parameters.set(exported, { name: exported, spec: { type: 'string', description }, targets: [] });
      continue;
    }
    const spec = exportedSpec(node.component.params[target.port], ref.metadata, node.graphParams[target.port]);
    const existing = parameters.get(exported);
    if (existing) existing.targets.push({ node: node.id, param: target.port });
    else parameters.set(exported, { name: exported, spec, targets: [{ node: node.id, param: target.port }] });
  }

  const boundByParam = new Set([...parameters.values()].filter((p) => p.spec.type === 'image').map((p) => `${p.targets[0].node}.${p.targets[0].param}`));
  for (const node of nodes.values()) {
    for (const [port, spec] of Object.entries(node.component.imageInputs)) {
      if (boundByParam.has(`${node.id}.${port}`)) continue;
      if (!Object.hasOwn(node.inputs, port) && (port === 'input' || spec.required)) fail(name, `node ${node.id}: image port ${port} is not connected`);
    }
  }

  if (options.sizeParams && !parameters.has('width') && !parameters.has('height')) insertSizeNode(nodes, parameters, registry);
  if (options.sizeParams && !parameters.has('quality')) parameters.set('quality', qualityParam(registry));

  const order = topologicalOrder(name, nodes);

  const plan: Plan = { graph: name, nodes, order, stages: [], parameters, output: outRef.process, consumers: new Map(), ignored };
  const last = nodes.get(outRef.process)!;
  if (last.kind === 'encoder') {
    plan.encoder = last;
    plan.output = last.inputs.input;
  }
  return bindParameters(plan, {});
}

function unhonoured(component: Component, port: string): { note: string; honouredWhen?: number | boolean | string } | undefined {
  const u = component.alias?.unhonoured;
  return u && Object.hasOwn(u, port) ? u[port] : undefined;
}

/** imgflo read its size parameters with strtoll: rig sends `449.4375`, which means 449. */
function truncateSizes(p: Params): Params {
  const out = { ...p };
  for (const dim of ['width', 'height']) if (typeof out[dim] === 'number') out[dim] = Math.max(1, Math.trunc(out[dim] as number));
  return out;
}

/**
 * An imgflo graph: every node is one of imgflo's components (gegl/*, imgfloextra/*). imgflo-server
 * scaled their input with gegl:scale-size-keepaspect, so their size node does as GEGL did
 * (operations/gegl-scale.ts); graphs with any imgflow component keep sharp's resize. A graph of
 * passthroughs only (gegl/nop: `passthrough`) changes no pixel and keeps sharp's resize, which
 * keeps an animation's frames (gegl-scale sees the first frame only).
 */
function isImgfloGraph(nodes: Map<string, PlanNode>): boolean {
  const all = [...nodes.values()];
  return all.some((n) => n.kind !== 'passthrough') && all.every((n) => /^(gegl|imgfloextra)\//.test(n.component.name));
}

function insertSizeNode(nodes: Map<string, PlanNode>, parameters: Map<string, ExportedParam>, registry: Registry): void {
  const gegl = isImgfloGraph(nodes);
  const resize = registry.get(gegl ? 'imgflow/gegl-scale' : 'imgflow/resize')!;
  const component: Component = { ...resize, toOperationParams: (p) => resize.toOperationParams(truncateSizes(p)) };
  for (const node of nodes.values()) for (const [port, src] of Object.entries(node.inputs)) if (src === SOURCE) node.inputs[port] = SIZE_NODE;
  nodes.set(SIZE_NODE, { id: SIZE_NODE, component, kind: kindOf(component.op), params: {}, graphParams: {}, inputs: { input: SOURCE } });
  const position = "What fit=cover keeps: centre (default), a compass gravity (north, southeast...), or entropy/attention for the busiest region";
  const dpr = 'Device pixel ratio, 1..4: width and height are multiplied by it';
  const described: Record<(typeof SIZE_PARAMS)[number], string> = gegl ? {
    width: "Scale the input to this width before the graph runs, as imgflo's GEGL did: alone, the height keeps the aspect ratio; with height, the image is stretched to both; enlarges. A fraction is truncated, as imgflo did (rig sends sizes like 449.4375)",
    height: "Scale the input to this height before the graph runs, as imgflo's GEGL did: alone, the width keeps the aspect ratio; with width, stretched to both; enlarges. A fraction is truncated, as imgflo did",
    fit: "Not imgflo's: when set, width and height resize as on other graphs (never enlarging): inside (within both), cover (fill both, crop), contain (pad), fill (stretch), outside (cover both, no crop)",
    position, dpr,
  } : {
    width: 'Scale the input to this width before the graph runs, keeping the aspect ratio unless height and fit say otherwise; never enlarges. A fraction is truncated, as imgflo did (rig sends sizes like 449.4375)',
    height: 'Scale the input to this height before the graph runs, keeping the aspect ratio unless width and fit say otherwise; never enlarges. A fraction is truncated, as imgflo did',
    fit: 'How width and height together are met: inside (default, within both), cover (fill both, crop), contain (pad), fill (stretch), outside (cover both, no crop)',
    position, dpr,
  };
  for (const name of SIZE_PARAMS) {
    if (parameters.has(name)) continue;
    // Sizes are numbers here (imgflo's fractions), truncated before the resize sees them.
    const spec: ParamSpec = { ...component.params[name], ...(name === 'width' || name === 'height' ? { type: 'number' as const } : {}), description: described[name] };
    parameters.set(name, { name, spec, targets: [{ node: SIZE_NODE, param: name }] });
  }
}

/** `quality` for whichever encoder the request's format picks; each format keeps its own default. */
function qualityParam(registry: Registry): ExportedParam {
  const defaults = registry.list()
    .filter((c) => c.op.encoder && c.name === `imgflow/${c.op.name}` && typeof c.op.params.quality?.default === 'number')
    .map((c) => `${c.op.encoder!.format} ${c.op.params.quality.default}`);
  const spec: ParamSpec = {
    type: 'int',
    min: 1,
    max: 100,
    description: `Output quality, 1..100, for formats that have one (default per format: ${defaults.join(', ')}; png only with a palette; gif has none)`,
  };
  return { name: 'quality', spec, targets: [{ node: ENCODER_PARAMS, param: 'quality' }] };
}

function topologicalOrder(graph: string, nodes: Map<string, PlanNode>): string[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const order: string[] = [];
  const visit = (id: string, path: string[]) => {
    if (isExternal(id) || state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') fail(graph, `cycle: ${[...path.slice(path.indexOf(id)), id].join(' -> ')}`);
    state.set(id, 'visiting');
    const node = nodes.get(id)!;
    for (const port of Object.keys(node.inputs).sort()) visit(node.inputs[port], [...path, id]);
    state.set(id, 'done');
    order.push(id);
  };
  for (const id of [...nodes.keys()].sort()) visit(id, []);
  return order;
}

/**
 * Applies request parameters (already coerced against the exported specs) over IIPs and
 * defaults. Returns a new plan: compiled plans are shared by concurrent requests.
 */
export function bindParameters(plan: Plan, values: Params): Plan {
  const byNode = new Map<string, Params>();
  const imageInputs = new Map<string, Record<string, string>>();
  for (const [name, value] of Object.entries(values)) {
    const param = plan.parameters.get(name);
    if (param?.spec.type === 'image') {
      for (const t of param.targets) imageInputs.set(t.node, { ...imageInputs.get(t.node), [t.param]: `${IMAGE_PARAM}${name}` });
      continue;
    }
    for (const t of param?.targets ?? []) {
      const p = byNode.get(t.node) ?? {};
      p[t.param] = value;
      byNode.set(t.node, p);
    }
  }
  const nodes = new Map<string, PlanNode>();
  for (const [id, node] of plan.nodes) {
    const graphFacing: Params = {};
    for (const [k, spec] of Object.entries(node.component.params)) if (spec.default !== undefined) graphFacing[k] = spec.default;
    Object.assign(graphFacing, node.graphParams, byNode.get(id));
    // Colour defaults in specs may be any CSS form; operations get `#rrggbbaa`.
    for (const [k, spec] of Object.entries(node.component.params)) {
      if (spec.type === 'color' && graphFacing[k] !== undefined) graphFacing[k] = coerceParam(k, spec, graphFacing[k]);
    }
    const params = node.component.toOperationParams(graphFacing);
    const inputs = imageInputs.has(id) ? { ...node.inputs, ...imageInputs.get(id) } : node.inputs;
    nodes.set(id, { ...node, inputs, params, skip: node.kind === 'passthrough' || node.component.op.identity?.(params) === true });
  }
  const floated = floatAfterResize(nodes, byNode);
  const bound: Plan = { ...plan, nodes, encoder: plan.encoder ? nodes.get(plan.encoder.id) : undefined, encoderParams: byNode.get(ENCODER_PARAMS), floatAfterResize: floated };
  // Stages depend on parameters: a skipped node lets its neighbours fuse.
  Object.assign(bound, groupStages(bound));
  return bound;
}

/**
 * imgflo resized before the graph (gegl:scale-size-keepaspect between its loader and the
 * graph's input), and GEGL's scaler hands on floats where the loaders gave 8-bit values: an
 * operation with two code paths (OperationDef.geglInputPath) took its float one. A node that
 * reads the size node (through skipped nodes such as gegl/nop) while the request resizes gets
 * `float`, unless the graph or the request set the path; the executor takes it back where the
 * resize keeps the input's size (u8WhereSizeKept). Not followed: what formats other GEGL
 * operations in front would have handed on (most give floats, gegl:crop passes u8 on).
 */
function floatAfterResize(nodes: Map<string, PlanNode>, byNode: Map<string, Params>): string[] | undefined {
  const size = nodes.get(SIZE_NODE);
  // Only behind GEGL's own scale (imgflo graphs), and not where `fit` hands the resize to sharp.
  if (!size || size.skip || size.component.op.name !== 'gegl-scale' || byNode.get(SIZE_NODE)?.fit !== undefined) return undefined;
  const floated: string[] = [];
  for (const [id, node] of nodes) {
    const param = node.component.op.geglInputPath;
    if (!param || Object.hasOwn(node.graphParams, param) || Object.hasOwn(byNode.get(id) ?? {}, param)) continue;
    let src = node.inputs.input;
    while (src !== undefined && !isExternal(src) && src !== SIZE_NODE && nodes.get(src)!.skip) src = nodes.get(src)!.inputs.input;
    if (src !== SIZE_NODE) continue;
    const params = { ...node.params, [param]: 'float' };
    nodes.set(id, { ...node, params, skip: node.kind === 'passthrough' || node.component.op.identity?.(params) === true });
    floated.push(id);
  }
  return floated.length ? floated : undefined;
}

/**
 * GEGL's scale-size-keepaspect at the input's own size (imgflo's width and height, truncated,
 * equal to the input's where given: rig's URLs for a wide screen) is no scaling: GEGL passed the
 * loader's 8-bit values on, and the nodes floatAfterResize moved take their u8 path again.
 * `source`: the input's size, oriented. Returns the plan itself when nothing changes.
 */
export function u8WhereSizeKept(plan: Plan, source: { width: number; height: number }): Plan {
  const size = plan.nodes.get(SIZE_NODE);
  if (!plan.floatAfterResize || !size) return plan;
  // the size node's own output size (its parameters are already truncated as imgflo's strtoll)
  const out = size.component.op.outputSize?.(source, size.params, {}) ?? source;
  if (out.width !== source.width || out.height !== source.height) return plan;
  const nodes = new Map(plan.nodes);
  for (const id of plan.floatAfterResize) {
    const node = nodes.get(id)!;
    nodes.set(id, { ...node, params: { ...node.params, [node.component.op.geglInputPath!]: 'u8' } });
  }
  return { ...plan, nodes, floatAfterResize: undefined };
}

/** The node whose output feeds `id`'s port, seeing through skipped nodes. */
export function resolveInput(plan: Plan, id: string, port = 'input'): string {
  return resolveProducer(plan, plan.nodes.get(id)!.inputs[port]);
}

/** The node that actually produces `id`'s output: `id` itself unless it is skipped. */
export function resolveProducer(plan: Plan, id: string): string {
  let src = id;
  while (!isExternal(src) && plan.nodes.get(src)!.skip) src = plan.nodes.get(src)!.inputs.input;
  return src;
}

function slotOf(node: PlanNode, before: string[], paramsBefore: Params[]): number {
  const s = node.component.op.sharp!.slot;
  return typeof s === 'function' ? s(before, paramsBefore) : s;
}

function groupStages(plan: Plan): { stages: Stage[]; consumers: Map<string, number> } {
  const stages: Stage[] = [];
  // Consumers counted through pass-through nodes: fusion across a fan-out would compute twice.
  const realConsumers = new Map<string, number>();
  for (const id of plan.order) {
    const node = plan.nodes.get(id)!;
    if (node.skip || node.kind === 'encoder') continue;
    for (const port of Object.keys(node.inputs)) {
      const src = resolveInput(plan, id, port);
      realConsumers.set(src, (realConsumers.get(src) ?? 0) + 1);
    }
  }
  const outputSrc = resolveProducer(plan, plan.output);
  realConsumers.set(outputSrc, (realConsumers.get(outputSrc) ?? 0) + 1);

  const stageOf = new Map<string, Stage>();
  const sharpSteps = new Map<Stage, { names: string[]; params: Params[]; slot: number }>();
  for (const id of plan.order) {
    const node = plan.nodes.get(id)!;
    if (node.skip || node.kind === 'encoder') continue;
    const from = resolveInput(plan, id);
    const prev = isExternal(from) ? undefined : stageOf.get(from);
    // A node with a second image input starts a stage, so every stage's aux producers are
    // complete before it starts and stages can simply run in creation order.
    const hasAux = Object.keys(node.inputs).some((port) => port !== 'input');
    const canExtend = prev && !hasAux && prev.nodes[prev.nodes.length - 1] === from && realConsumers.get(from) === 1 && prev.kind === node.kind;
    if (node.kind === 'sharp') {
      const info = canExtend ? sharpSteps.get(prev)! : undefined;
      const slot = info ? slotOf(node, info.names, info.params) : -1;
      if (prev && info && canExtend && slot > info.slot) {
        prev.nodes.push(id);
        info.names.push(node.component.op.name);
        info.params.push(node.params);
        info.slot = slot;
        stageOf.set(id, prev);
        continue;
      }
      const stage: Stage = { kind: 'sharp', nodes: [id], from };
      sharpSteps.set(stage, { names: [node.component.op.name], params: [node.params], slot: slotOf(node, [], []) });
      stages.push(stage);
      stageOf.set(id, stage);
      continue;
    }
    if (node.kind === 'kernel' && prev && canExtend) {
      prev.nodes.push(id);
      stageOf.set(id, prev);
      continue;
    }
    const stage: Stage = { kind: node.kind as Stage['kind'], nodes: [id], from };
    stages.push(stage);
    stageOf.set(id, stage);
  }
  return { stages, consumers: realConsumers };
}
