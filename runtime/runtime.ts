/**
 * One object the server, the CLI and the FBP runtime share: the operation registry, the graph
 * store, compiled plans cached by graph revision, and evaluation under a concurrency limit.
 */
import { aliases, operations } from '../operations/index.ts';
import type { EngineReport, OutputFormat, Params, ParamSpec } from '../operations/define.ts';
import { bindParameters, compileGraph, type IgnoredProperty, type Plan } from './compiler.ts';
import { errors } from './errors.ts';
import { evaluatePlan, type EvaluateOptions, type EvaluateResult } from './executor.ts';
import { createLimiter, type Limiter } from './limiter.ts';
import { parseParams, type RawParams } from './params.ts';
import { createRegistry, type Registry } from './registry.ts';
import { openGraphStore, revisionOf, type GraphEntry, type GraphStore } from './store.ts';
import { GRAPH_COMPONENT_PREFIX, inlineSubgraphs, type GraphResolver } from './subgraphs.ts';
import { checkGraphLimits, type GraphLimits } from './graph-limits.ts';
import { classify, DEFAULT_WORK_CLASS_OPTIONS, type WorkClass, type WorkClassOptions } from './work-class.ts';
import type { GraphJson } from './graph.ts';
import { operationsHandleFrames } from './frames.ts';
import { createComputePool, type ComputePool } from './offload/compute-pool.ts';
import type { GpuMode } from '../operations/kernels/backend.ts';

export interface RuntimeOptions extends GraphLimits {
  graphsDir: string;
  /** Evaluations running at once (sharp itself uses libuv threads below this). */
  concurrency?: number;
  /** Requests waiting beyond `concurrency` + `fetchAhead` before new ones get 429. */
  maxQueue?: number;
  /** Requests that may load their inputs while every slot evaluates (default 0). */
  fetchAhead?: number;
  watch?: boolean;
  /**
   * Worker threads for kernel, pixel and process stages (default: the machine's parallelism).
   * 0 runs them on the calling thread: for scripts and benchmarks, never for a server.
   */
  computeThreads?: number;
  /** How long an aborted cooperative task (DeepDream) may take to stop (ms, default 30000; compute-pool.ts). */
  computeCancelWaitMs?: number;
  /** A compute operation's engine became known or changed (DeepDream's onnx, or tfjs and why). */
  onComputeEngine?: (op: string, report: EngineReport) => void;
  /** Kernel backend the compute threads configure (the process's IMGFLOW_GPU). */
  gpu?: GpuMode;
  /** Edits saved with store.schedule() reach the file at most this often per graph (ms, default 100). */
  saveDelayMs?: number;
  /** How graphs are sorted into inline work and jobs (runtime/work-class.ts). */
  workClasses?: WorkClassOptions;
  onStoreError?: (err: unknown, file: string) => void;
  /** Told once per graph revision about properties the graph sets that are accepted but not honoured. */
  onIgnoredProperties?: (graph: string, ignored: IgnoredProperty[]) => void;
}

export interface PreparedRequest {
  entry: GraphEntry;
  plan: Plan;
  params: Params;
  /** The graph's revision combined with those of the subgraphs it uses: what results depend on. */
  revision: string;
}

export interface GraphParameterInfo extends ParamSpec { name: string }

export interface GraphInfo {
  name: string;
  description: string;
  revision: string;
  parameters: GraphParameterInfo[];
  /** GEGL properties the graph sets or exports that are accepted but not honoured here. */
  ignoredProperties: IgnoredProperty[];
  /** Inline, or a job on which queue, and why. */
  work: WorkClass;
  /**
   * Every operation of the graph handles an animation's frames: an animated input keeps them
   * in a gif or webp output. False: the graph works on the first frame.
   */
  frames: boolean;
}

export interface Runtime {
  registry: Registry;
  store: GraphStore;
  limiter: Limiter;
  /** Threads that run the CPU-heavy stages; undefined when computeThreads is 0. */
  compute?: ComputePool;
  /** The compiled plan of a graph's current revision (compiled once per revision). */
  plan(name: string): PreparedRequest['plan'];
  entry(name: string): GraphEntry;
  /** The revision results of `name` depend on: its own and its subgraphs'. */
  revision(name: string): string;
  /** Whether `name` runs inline or as a job (decided once per revision). */
  workClass(name: string): WorkClass;
  /** Resolves `graphs/<name>` components to stored graphs (for compiling outside plan()). */
  resolveGraph: GraphResolver;
  /**
   * Compiles a graph that is not stored yet, as plan() would (subgraphs included), so that a
   * save can refuse unknown components, cycles and the node limit with 400s first.
   */
  check(name: string, graph: GraphJson): void;
  /** The graph limits in force (IMGFLOW_MAX_NODES, IMGFLOW_MAX_GRAPH_BYTES). */
  readonly limits: Readonly<GraphLimits>;
  /**
   * Only the size limits of check(), for graphs still being drawn (no output yet): what an
   * editor must refuse so that it never saves a graph HTTP would answer 413 for.
   */
  checkLimits(name: string, graph: GraphJson): void;
  /** Checks request parameters against the graph; throws 404 / 400 with codes. */
  prepare(name: string, raw: RawParams, reserved?: ReadonlySet<string>): PreparedRequest;
  /** Evaluates under the limiter: waits for a slot, or 429 past the queue. */
  evaluate(prepared: PreparedRequest, options: Omit<EvaluateOptions, 'format'> & { format: OutputFormat }): Promise<EvaluateResult>;
  /**
   * Evaluates now, for a caller that admitted the work itself: the graph route holds a place
   * from before the input is downloaded and a slot around this call; jobs run under their
   * queue's concurrency.
   */
  evaluateAdmitted(prepared: PreparedRequest, options: Omit<EvaluateOptions, 'format'> & { format: OutputFormat }): Promise<EvaluateResult>;
  /** The plan with the request's parameters bound, computed once per prepared request. */
  bound(prepared: PreparedRequest): Plan;
  describe(name: string): GraphInfo;
  /** Writes pending graph saves, stops watching the store and ends the compute threads. */
  close(): Promise<void>;
}

export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const registry = createRegistry(operations, aliases);
  const store = await openGraphStore({ dir: options.graphsDir, watch: options.watch, onError: options.onStoreError, writeDelayMs: options.saveDelayMs });
  const limits: GraphLimits = Object.freeze({ maxNodes: options.maxNodes, maxGraphBytes: options.maxGraphBytes });
  const limiter = createLimiter(options.concurrency ?? 4, options.maxQueue ?? 64, options.fetchAhead ?? 0);
  const compute = options.computeThreads === 0 ? undefined : createComputePool({ threads: options.computeThreads, gpu: options.gpu, cancelWaitMs: options.computeCancelWaitMs, onEngine: options.onComputeEngine });
  const plans = new Map<string, { revision: string; deps: Map<string, string>; effective: string; plan: Plan; work?: WorkClass }>();
  store.on('change', (name) => plans.delete(name));

  const resolveGraph: GraphResolver = (component) => {
    if (!component.startsWith(GRAPH_COMPONENT_PREFIX)) return undefined;
    const e = store.get(component.slice(GRAPH_COMPONENT_PREFIX.length));
    return e && { graph: e.graph, revision: e.revision };
  };
  const current = (component: string) => resolveGraph(component)?.revision;

  const entry = (name: string) => {
    const e = store.get(name);
    if (!e) throw errors.IMGFLOW_ERR_GRAPH_NOT_FOUND({ graph: name }, undefined, name);
    return e;
  };

  const compile = (name: string, graph: GraphJson, usedGraphs?: Map<string, string>) =>
    compileGraph(name, graph, registry, { ...limits, sizeParams: true, resolveGraph, usedGraphs });

  const compiled = (name: string) => {
    const e = entry(name);
    const cached = plans.get(name);
    // A subgraph edited since compiling makes the plan (and its results) stale.
    if (cached?.revision === e.revision && [...cached.deps].every(([c, rev]) => current(c) === rev)) return cached;
    const deps = new Map<string, string>();
    const plan = compile(name, e.graph, deps);
    const effective = deps.size === 0 ? e.revision : revisionOf([e.revision, ...[...deps].sort().map(([c, r]) => `${c}@${r}`)].join('\n'));
    const fresh: { revision: string; deps: Map<string, string>; effective: string; plan: Plan; work?: WorkClass } = { revision: e.revision, deps, effective, plan };
    plans.set(name, fresh);
    if (plan.ignored.length) options.onIgnoredProperties?.(name, plan.ignored);
    return fresh;
  };
  const plan = (name: string) => compiled(name).plan;
  const workClass = (name: string) => {
    const c = compiled(name);
    return (c.work ??= classify(name, entry(name).graph, c.plan, options.workClasses ?? DEFAULT_WORK_CLASS_OPTIONS));
  };

  // A miss checks sizes on the bound plan before evaluating it: bind once per request.
  const boundPlans = new WeakMap<PreparedRequest, Plan>();
  const bound = (prepared: PreparedRequest): Plan => {
    let p = boundPlans.get(prepared);
    if (!p) boundPlans.set(prepared, (p = bindParameters(prepared.plan, prepared.params)));
    return p;
  };

  return {
    registry,
    store,
    limiter,
    compute,
    plan,
    entry,
    revision: (name) => compiled(name).effective,
    workClass,
    resolveGraph,
    check: (name, graph) => { compile(name, graph); },
    limits,
    checkLimits(name, graph) {
      let inlined = graph;
      // A subgraph that does not resolve (yet) is the compiler's problem, not a size limit.
      let usesGraphs = false;
      for (const id in graph.processes) if (graph.processes[id].component.startsWith(GRAPH_COMPONENT_PREFIX)) { usesGraphs = true; break; }
      if (usesGraphs) {
        try {
          inlined = inlineSubgraphs(name, graph, resolveGraph, new Map());
        } catch { /* counted as drawn */ }
      }
      checkGraphLimits(name, graph, limits, inlined);
    },
    prepare(name, raw, reserved) {
      const c = compiled(name);
      return { entry: entry(name), plan: c.plan, params: parseParams(c.plan, raw, reserved), revision: c.effective };
    },
    evaluate(prepared, evalOptions) {
      return limiter.run(() => evaluatePlan(bound(prepared), registry, { compute, ...evalOptions }), evalOptions.signal);
    },
    evaluateAdmitted(prepared, evalOptions) {
      return evaluatePlan(bound(prepared), registry, { compute, ...evalOptions });
    },
    bound,
    describe(name) {
      const e = entry(name);
      const p = plan(name);
      return {
        name,
        description: e.graph.properties?.description ?? '',
        revision: compiled(name).effective,
        parameters: [...p.parameters.values()].map((x) => ({ name: x.name, ...x.spec })),
        ignoredProperties: p.ignored,
        work: workClass(name),
        frames: operationsHandleFrames(p),
      };
    },
    async close() {
      await store.close();
      await compute?.close();
    },
  };
}
