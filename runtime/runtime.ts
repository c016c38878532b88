/**
 * One object the server, the CLI and the FBP runtime share: the operation registry, the graph
 * store, compiled plans cached by graph revision, and evaluation under a concurrency limit.
 */
import { aliases, operations } from '../operations/index.ts';
import type { OutputFormat, Params, ParamSpec } from '../operations/define.ts';
import { bindParameters, compileGraph, type Plan } from './compiler.ts';
import { errors } from './errors.ts';
import { evaluatePlan, type EvaluateOptions, type EvaluateResult } from './executor.ts';
import { createLimiter, type Limiter } from './limiter.ts';
import { parseParams, type RawParams } from './params.ts';
import { createRegistry, type Registry } from './registry.ts';
import { openGraphStore, type GraphEntry, type GraphStore } from './store.ts';

export interface RuntimeOptions {
  graphsDir: string;
  maxNodes?: number;
  /** Evaluations running at once (sharp itself uses libuv threads below this). */
  concurrency?: number;
  /** Evaluations waiting beyond `concurrency` before new ones get 429. */
  maxQueue?: number;
  watch?: boolean;
  onStoreError?: (err: unknown, file: string) => void;
}

export interface PreparedRequest {
  entry: GraphEntry;
  plan: Plan;
  params: Params;
}

export interface GraphParameterInfo extends ParamSpec { name: string }

export interface GraphInfo {
  name: string;
  description: string;
  revision: string;
  parameters: GraphParameterInfo[];
}

export interface Runtime {
  registry: Registry;
  store: GraphStore;
  limiter: Limiter;
  /** The compiled plan of a graph's current revision (compiled once per revision). */
  plan(name: string): PreparedRequest['plan'];
  entry(name: string): GraphEntry;
  /** Checks request parameters against the graph; throws 404 / 400 with codes. */
  prepare(name: string, raw: RawParams, reserved?: ReadonlySet<string>): PreparedRequest;
  evaluate(prepared: PreparedRequest, options: Omit<EvaluateOptions, 'format'> & { format: OutputFormat }): Promise<EvaluateResult>;
  describe(name: string): GraphInfo;
  close(): void;
}

export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const registry = createRegistry(operations, aliases);
  const store = await openGraphStore({ dir: options.graphsDir, watch: options.watch, onError: options.onStoreError });
  const limiter = createLimiter(options.concurrency ?? 4, options.maxQueue ?? 64);
  const plans = new Map<string, { revision: string; plan: Plan }>();
  store.on('change', (name) => plans.delete(name));

  const entry = (name: string) => {
    const e = store.get(name);
    if (!e) throw errors.IMGFLOW_ERR_GRAPH_NOT_FOUND({ graph: name }, undefined, name);
    return e;
  };

  const plan = (name: string) => {
    const e = entry(name);
    const cached = plans.get(name);
    if (cached?.revision === e.revision) return cached.plan;
    const compiled = compileGraph(name, e.graph, registry, { maxNodes: options.maxNodes, sizeParams: true });
    plans.set(name, { revision: e.revision, plan: compiled });
    return compiled;
  };

  return {
    registry,
    store,
    limiter,
    plan,
    entry,
    prepare(name, raw, reserved) {
      const p = plan(name);
      return { entry: entry(name), plan: p, params: parseParams(p, raw, reserved) };
    },
    evaluate(prepared, evalOptions) {
      return limiter.run(() => evaluatePlan(bindParameters(prepared.plan, prepared.params), registry, evalOptions));
    },
    describe(name) {
      const e = entry(name);
      const p = plan(name);
      return {
        name,
        description: e.graph.properties?.description ?? '',
        revision: e.revision,
        parameters: Object.values(p.parameters).map((x) => ({ name: x.name, ...x.spec })),
      };
    },
    close: () => store.close(),
  };
}
