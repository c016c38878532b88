/**
 * The graph model: the FBP JSON format (noflo / fbp-graph, what Flowhub saves and imgflo
 * shipped), loaded from `.json` or the `.fbp` DSL and checked structurally with ajv.
 */
import { Ajv, type ErrorObject } from 'ajv';
import fbp from 'fbp';
import { errors } from './errors.ts';

export interface PortRef { process: string; port: string; index?: number }
export interface ExportedPort extends PortRef { metadata?: Record<string, unknown> }
export interface Connection {
  src?: PortRef;
  tgt: PortRef;
  /** IIP: a constant sent to tgt */
  data?: unknown;
  metadata?: Record<string, unknown>;
}
export interface ProcessDef { component: string; metadata?: Record<string, unknown> }
export interface GroupDef { name: string; nodes: string[]; metadata?: Record<string, unknown> }

export interface GraphJson {
  caseSensitive?: boolean;
  properties?: { name?: string; description?: string; icon?: string; environment?: Record<string, unknown>; [k: string]: unknown };
  inports?: Record<string, ExportedPort>;
  outports?: Record<string, ExportedPort>;
  processes: Record<string, ProcessDef>;
  connections: Connection[];
  groups?: GroupDef[];
}

const portRef = {
  type: 'object',
  required: ['process', 'port'],
  properties: { process: { type: 'string', minLength: 1 }, port: { type: 'string', minLength: 1 }, index: { type: 'integer' } },
};
const exported = { ...portRef, properties: { ...portRef.properties, metadata: { type: 'object' } } };

/** A subset of fbp-graph's schema: what we rely on, strictly; unknown extras are kept. */
const graphSchema = {
  type: 'object',
  required: ['processes', 'connections'],
  properties: {
    caseSensitive: { type: 'boolean' },
    properties: { type: 'object', properties: { name: { type: 'string' }, description: { type: 'string' } } },
    inports: { type: 'object', additionalProperties: exported },
    outports: { type: 'object', additionalProperties: exported },
    processes: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['component'],
        properties: { component: { type: 'string', minLength: 1 }, metadata: { type: ['object', 'null'] } },
      },
    },
    connections: {
      type: 'array',
      items: {
        type: 'object',
        required: ['tgt'],
        properties: { src: portRef, tgt: portRef, metadata: { type: ['object', 'null'] } },
      },
    },
    groups: {
      type: 'array',
      items: { type: 'object', required: ['name', 'nodes'], properties: { name: { type: 'string' }, nodes: { type: 'array', items: { type: 'string' } } } },
    },
  },
};

const ajv = new Ajv({ allErrors: true, strict: false });
const validateShape = ajv.compile<GraphJson>(graphSchema);

function describeAjvError(e: ErrorObject): string {
  return `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`;
}

/** Checks shape and references; every message names the node, port or edge at fault. */
export function validateGraph(name: string, graph: unknown): GraphJson {
  if (!validateShape(graph)) {
    const why = (validateShape.errors ?? []).map(describeAjvError).join('; ');
    throw errors.IMGFLOW_ERR_GRAPH_INVALID({ graph: name, problems: validateShape.errors?.map(describeAjvError) }, undefined, name, why);
  }
  const g = graph;
  const problems: string[] = [];
  const known = (p: string) => Object.hasOwn(g.processes, p);
  for (const [port, ref] of Object.entries(g.inports ?? {})) if (!known(ref.process)) problems.push(`inport ${port} targets unknown node ${ref.process}`);
  for (const [port, ref] of Object.entries(g.outports ?? {})) if (!known(ref.process)) problems.push(`outport ${port} comes from unknown node ${ref.process}`);
  for (const c of g.connections) {
    const edge = describeEdge(c);
    if (!known(c.tgt.process)) problems.push(`edge ${edge} targets unknown node ${c.tgt.process}`);
    if (c.src && !known(c.src.process)) problems.push(`edge ${edge} comes from unknown node ${c.src.process}`);
    if (!c.src && !('data' in c)) problems.push(`edge ${edge} has neither a source nor data`);
  }
  for (const group of g.groups ?? []) for (const n of group.nodes) if (!known(n)) problems.push(`group ${group.name} lists unknown node ${n}`);
  if (problems.length) throw errors.IMGFLOW_ERR_GRAPH_INVALID({ graph: name, problems }, undefined, name, problems.join('; '));
  return g;
}

/**
 * The name in `names` that `wanted` means: itself, else the one equal to it ignoring case (noflo
 * matches ports without case; imgflo's graphs rely on it). Undefined when there is none.
 */
export function matchPortName(names: Iterable<string>, wanted: string): string | undefined {
  const list = [...names];
  if (list.includes(wanted)) return wanted;
  const lower = wanted.toLowerCase();
  return list.find((n) => n.toLowerCase() === lower);
}

export function describeEdge(c: Connection): string {
  const src = c.src ? `${c.src.process}.${c.src.port}` : `'${String(c.data)}'`;
  return `${src} -> ${c.tgt.process}.${c.tgt.port}`;
}

/**
 * The .fbp DSL does not allow `-` in port names, so `std_dev_x` there means `std-dev-x`:
 * port and exported names are normalised on load.
 */
export function normalizePortName(port: string): string {
  return port.replace(/_/g, '-');
}

/** Names the fbp parser must never see as node or port names (see refuseInheritedNames). */
const INHERITED_NAMES: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype'].map((n) => n.toLowerCase()));

/**
 * fbp 1.8 collects nodes in a plain object (`if (!nodes[name]) nodes[name] = {}; nodes[name]
 * .component = ...`), so a node named `__proto__` writes `component` onto Object.prototype for
 * the whole process, and `constructor` onto Object itself. Such names are refused before the
 * parser runs: every word outside quoted IIPs and comments is checked, without case since the
 * parser lower-cases port names.
 */
function refuseInheritedNames(name: string, source: string): void {
  const code = source.replace(/'(?:[^'\\]|\\.)*'/g, "''").replace(/#.*$/gm, '');
  for (const [word] of code.matchAll(/[A-Za-z_$][\w$]*/g)) {
    if (INHERITED_NAMES.has(word.toLowerCase())) {
      throw errors.IMGFLOW_ERR_GRAPH_INVALID({ graph: name, problem: `name ${word}` }, undefined, name, `${word} cannot name a node or port in .fbp text (the parser would treat it as a built-in property)`);
    }
  }
}

/**
 * `.fbp` files are read as noflo reads them: port and exported names are case-insensitive and
 * lower-cased (imgflo's files spell them `INPORT=crop.X:X`, `crop OUTPUT -> INPUT nop`).
 */
export function parseFbp(name: string, source: string): GraphJson {
  refuseInheritedNames(name, source);
  let parsed: GraphJson;
  try {
    parsed = fbp.parse(source, { caseSensitive: false }) as GraphJson;
  } catch (err) {
    throw errors.IMGFLOW_ERR_GRAPH_INVALID({ graph: name }, err, name, (err as Error).message);
  }
  // fbp's annotation grammar drops a whole `# @key value` line whose value has a comma or
  // brackets; the header lines are simple enough to read ourselves.
  const annotations = Object.fromEntries([...source.matchAll(/^#\s*@([A-Za-z][\w-]*)\s+(.+?)\s*$/gm)].map((m) => [m[1], m[2]]));
  const { runtime: _runtime, ...plainAnnotations } = annotations;
  const fix = (r: PortRef) => ({ ...r, port: normalizePortName(r.port) });
  const fixPorts = (ports: Record<string, ExportedPort> = {}) =>
    Object.fromEntries(Object.entries(ports).map(([k, v]) => [normalizePortName(k), fix(v)]));
  return {
    ...parsed,
    properties: { name, ...plainAnnotations, ...parsed.properties },
    inports: fixPorts(parsed.inports),
    outports: fixPorts(parsed.outports),
    connections: parsed.connections.map((c) => ({ ...c, tgt: fix(c.tgt), ...(c.src ? { src: fix(c.src) } : {}) })),
  };
}

export function parseGraphSource(name: string, source: string, format: 'json' | 'fbp'): GraphJson {
  if (format === 'fbp') return validateGraph(name, parseFbp(name, source));
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch (err) {
    throw errors.IMGFLOW_ERR_GRAPH_INVALID({ graph: name }, err, name, `not JSON: ${(err as Error).message}`);
  }
  return validateGraph(name, json);
}
