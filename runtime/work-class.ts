/**
 * Classes of work: a graph runs `inline` (inside the HTTP request, under the inline limiter) or
 * as a `job` on a named queue (served by the job engine: embedded, or workers over Redis).
 *
 * Decided once per compiled revision, first rule that applies:
 *   1. configuration (IMGFLOW_JOB_CLASSES: `graph=inline` or `graph=<queue>`)
 *   2. the graph's own `properties.imgflow.class` (`inline` | `job`) and `properties.imgflow.queue`
 *   3. any deepdream node (subgraphs included)  -> job on `deepdream`
 *   4. estimated cost above the threshold       -> job on `heavy`
 *   5. otherwise inline
 * The cost is the sum of each node's cost (CPU ms per megapixel: the operation's `cost`, else
 * its kind's usual figure) times the pixels assumed for a request (IMGFLOW_JOB_COST_PIXELS).
 */
import type { OperationKind } from '../operations/define.ts';
import type { Plan } from './compiler.ts';
import { errors } from './errors.ts';
import type { GraphJson } from './graph.ts';

export const DEEPDREAM_QUEUE = 'deepdream';
export const HEAVY_QUEUE = 'heavy';
/** Queue names end up in Redis keys and URLs: short, lower-case, no separators. */
export const QUEUE_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

export interface WorkClass {
  class: 'inline' | 'job';
  /** Set for jobs. */
  queue?: string;
  /** Which rule decided it. */
  reason: 'config' | 'property' | 'deepdream' | 'cost' | 'default';
  /** Estimated CPU milliseconds of one evaluation at the assumed pixel count. */
  estimatedMs: number;
}

export interface WorkClassOptions {
  /** Estimated ms above which a graph is a job on `heavy`. */
  costThresholdMs: number;
  /** Pixels assumed for the estimate (the input size is unknown before it is fetched). */
  costPixels: number;
  /** Per graph: `inline` or a queue name (from config). */
  overrides?: ReadonlyMap<string, string>;
}

export const DEFAULT_WORK_CLASS_OPTIONS: WorkClassOptions = { costThresholdMs: 5000, costPixels: 2_000_000 };

/** Usual CPU ms per megapixel of each kind of operation, when the operation names none. */
const KIND_COST: Record<OperationKind, number> = { sharp: 15, encoder: 15, pixel: 40, kernel: 30, process: 200, passthrough: 0 };

export function estimateCostMs(plan: Plan, pixels: number): number {
  let perMegapixel = 0;
  for (const node of plan.nodes.values()) {
    if (node.skip) continue;
    perMegapixel += node.component.op.cost ?? KIND_COST[node.kind];
  }
  return Math.round(perMegapixel * pixels / 1e6);
}

/** `properties.imgflow` of a graph: `{class: 'inline' | 'job', queue?: string}`; 400 when malformed. */
export function classProperty(name: string, graph: GraphJson): { class: 'inline' | 'job'; queue?: string } | undefined {
  const raw = graph.properties?.imgflow;
  if (raw === undefined) return undefined;
  const bad = (problem: string) => errors.IMGFLOW_ERR_GRAPH_INVALID({ graph: name, problem }, undefined, name, problem);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('properties.imgflow must be an object {class, queue}');
  const { class: cls, queue } = raw as Record<string, unknown>;
  if (cls !== undefined && cls !== 'inline' && cls !== 'job') throw bad('properties.imgflow.class must be "inline" or "job"');
  if (queue !== undefined && (typeof queue !== 'string' || !QUEUE_NAME.test(queue))) throw bad('properties.imgflow.queue must be 1-32 of a-z 0-9 - (starting with a letter or digit)');
  if (cls === undefined && queue === undefined) return undefined;
  if (cls === 'inline') {
    if (queue !== undefined) throw bad('properties.imgflow.queue needs class "job"');
    return { class: 'inline' };
  }
  return { class: 'job', queue: (queue as string | undefined) ?? HEAVY_QUEUE };
}

export function classify(name: string, graph: GraphJson, plan: Plan, options: WorkClassOptions = DEFAULT_WORK_CLASS_OPTIONS): WorkClass {
  const estimatedMs = estimateCostMs(plan, options.costPixels);
  const override = options.overrides?.get(name);
  if (override !== undefined) {
    return override === 'inline' ? { class: 'inline', reason: 'config', estimatedMs } : { class: 'job', queue: override, reason: 'config', estimatedMs };
  }
  const property = classProperty(name, graph);
  if (property) return { ...property, reason: 'property', estimatedMs };
  for (const node of plan.nodes.values()) {
    if (node.component.op.name === 'deepdream') return { class: 'job', queue: DEEPDREAM_QUEUE, reason: 'deepdream', estimatedMs };
  }
  if (estimatedMs > options.costThresholdMs) return { class: 'job', queue: HEAVY_QUEUE, reason: 'cost', estimatedMs };
  return { class: 'inline', reason: 'default', estimatedMs };
}

/**
 * Parses `graph=inline,other=heavy` (IMGFLOW_JOB_CLASSES). Problems are returned, not thrown,
 * so config can list them with the others.
 */
export function parseClassOverrides(text: string | undefined, problems: string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (text ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = part.indexOf('=');
    const graph = eq > 0 ? part.slice(0, eq).trim() : '';
    const value = eq > 0 ? part.slice(eq + 1).trim() : '';
    if (!graph || !(value === 'inline' || QUEUE_NAME.test(value))) {
      problems.push(`IMGFLOW_JOB_CLASSES: expected graph=inline or graph=<queue> (a-z 0-9 -), got ${JSON.stringify(part)}`);
      continue;
    }
    out.set(graph, value);
  }
  return out;
}
