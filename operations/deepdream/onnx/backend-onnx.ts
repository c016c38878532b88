/**
 * `cpu` backend on onnxruntime-node: a dream step (forward to the layer, then the input gradient)
 * runs as ONE onnxruntime session (gradient-graph.ts), on MLAS's native SIMD kernels with
 * intra-op threads, instead of ~100 tfjs-wasm calls on 128-bit SIMD. onnxruntime has no
 * autograd in Node; the graph spells the backward pass out. The small ops (upload, resize, read)
 * and objectives the graph cannot express (guide images) go to the tfjs-wasm backend.
 *
 * One session per (layer, objective, input size), built on first use and kept in a small LRU
 * (IMGFLOW_DEEPDREAM_ONNX_SESSIONS): a dream uses one per octave, and each holds its weights.
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { TensorBackend } from '../backend.ts';
import { createTfjsBackend } from '../backend-tfjs.ts';
import type { ObjectiveSpec } from '../gradient.ts';
import type { NetNode, Shape } from '../net-types.ts';
import { dreamThreads } from '../thread-count.ts';
import { ACTIVATION, buildGradientModel, GRAD, INPUT } from './gradient-graph.ts';
import { SessionCache } from './session-cache.ts';

type Ort = typeof import('onnxruntime-node');

let ort: Promise<Ort> | undefined;
let instance: Promise<TensorBackend<any>> | undefined;

/** Whether onnxruntime-node loads here (an optional dependency; the native library must load). */
export async function onnxAvailable(): Promise<boolean> {
  try {
    await loadOrt();
    return true;
  } catch {
    return false;
  }
}

function loadOrt(): Promise<Ort> {
  ort ??= import('onnxruntime-node').then(
    (m) => ((m as { default?: Ort }).default ?? m) as Ort,
    (e: Error) => {
      throw new Error(`The onnx DeepDream backend needs onnxruntime-node (an optional dependency) and it did not load: ${e.message}`, { cause: e });
    },
  );
  ort.catch(() => (ort = undefined)); // retry on the next call rather than cache a failure forever
  return ort;
}

export function sessionLimit(env: string | undefined = process.env.IMGFLOW_DEEPDREAM_ONNX_SESSIONS): number {
  const n = env === undefined || env === '' ? 6 : Number(env);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`Expected a whole number of at least 1 for IMGFLOW_DEEPDREAM_ONNX_SESSIONS but received ${env}`);
  return n;
}

/** The thread's onnx backend, on `threads` intra-op threads: fixed by the first call (as the tfjs one). */
export function createOnnxBackend(threads = dreamThreads()): Promise<TensorBackend<any>> {
  instance ??= buildOnnxBackend(threads);
  instance.catch(() => (instance = undefined));
  return instance;
}

async function buildOnnxBackend(threads: number): Promise<TensorBackend<any>> {
  const ortm = await loadOrt();
  const tfjs = await createTfjsBackend(threads);
  // No spinning between ops: a dream shares the cores with inline requests (the compute pool runs
  // it at a lower priority, which spinning threads would undo). Under load it was no slower.
  const options: InferenceSession.SessionOptions = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
  const sessions = new SessionCache<InferenceSession>(sessionLimit());
  // loadNet keeps one net per cache dir, so a layer's node object names the net and the layer.
  const netIds = new WeakMap<NetNode, number>();
  let nextNet = 0;
  const netId = (last: NetNode): number => {
    if (!netIds.has(last)) netIds.set(last, nextNet++);
    return netIds.get(last)!;
  };

  return {
    ...tfjs,
    name: 'cpu',
    description: `onnxruntime-node ${ortm.env.versions.node} (MLAS, ${threads} intra-op thread(s)); small ops and guided dreams on ${tfjs.description}`,
    async wholeGradient(nodes, input, h, w, spec) {
      const last = nodes[nodes.length - 1];
      const key = `${netId(last)}/${last.id}/${spec.kind}/${spec.channel}/${h}x${w}`;
      const create = () => ortm.InferenceSession.create(buildGradientModel(nodes, h, w, spec), options);
      return sessions.use(key, create, async (session) => {
        const out = await session.run({ [INPUT]: new ortm.Tensor('float32', input, [1, h, w, 3]) });
        const act = out[ACTIVATION];
        const [, lh, lw, lc] = act.dims as number[];
        return { activation: act.data as Float32Array, shape: [lh, lw, lc] as Shape, grad: out[GRAD].data as Float32Array };
      });
    },
  };
}
