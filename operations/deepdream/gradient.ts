/**
 * One forward pass through the trunk to the dream layer and one backward pass to the input,
 * on any TensorBackend. The objective lives in JS: it reads the layer's activation and returns
 * the loss and dLoss/dActivation (the "seed"), so backends need no reductions.
 */
import type { TensorBackend } from './backend.ts';
import { inferShapes, nodeInputs, type NetNode, type Shape } from './net-types.ts';

export interface Objective {
  (activation: Float32Array, shape: Shape): { loss: number; seed: Float32Array };
  /** What the objective is, for backends that build the seed into a whole-graph gradient. */
  spec?: ObjectiveSpec;
}

/** An objective a whole-graph backend can write as graph ops: mean of squares, one channel or all (-1). */
export type ObjectiveSpec = { kind: 'meanSquare'; channel: number };

/** Mean squared activation of the layer, or of one channel of it (`channel` >= 0). */
export function meanSquareObjective(channel = -1): Objective {
  const objective: Objective = (a, [h, w, c]) => {
    const seed = new Float32Array(a.length);
    const n = channel < 0 ? a.length : h * w;
    let sum = 0;
    for (let i = channel < 0 ? 0 : channel; i < a.length; i += channel < 0 ? 1 : c) {
      sum += a[i] * a[i];
      seed[i] = (2 * a[i]) / n;
    }
    return { loss: sum / n, seed };
  };
  objective.spec = { kind: 'meanSquare', channel };
  return objective;
}

/** Runs the nodes forward and returns the last node's activation (for guide features). */
export async function forward<T>(backend: TensorBackend<T>, nodes: NetNode[], input: Float32Array, h: number, w: number): Promise<{ activation: Float32Array; shape: Shape }> {
  const { acts, shapes } = await runForward(backend, nodes, input, h, w);
  const last = nodes[nodes.length - 1].id;
  const activation = await backend.read(acts.get(last)!);
  for (const t of acts.values()) backend.dispose(t);
  return { activation, shape: shapes.get(last)! };
}

async function runForward<T>(backend: TensorBackend<T>, nodes: NetNode[], input: Float32Array, h: number, w: number) {
  const shapes = inferShapes(nodes, h, w);
  const acts = new Map<string, T>();
  for (const n of nodes) {
    let y: T;
    if (n.op === 'input') y = await backend.upload(input, shapes.get(n.id)!);
    else if (n.op === 'conv') y = await backend.conv2d(acts.get(n.input)!, n.conv, true);
    else if (n.op === 'maxpool') y = await backend.maxPool(acts.get(n.input)!, n.pool);
    else if (n.op === 'avgpool') y = await backend.avgPool(acts.get(n.input)!, n.pool);
    else y = await backend.concat(n.inputs.map((i) => acts.get(i)!));
    acts.set(n.id, y);
  }
  return { acts, shapes };
}

/** Loss and dLoss/dInput for one image ([h, w, 3], preprocessed to -1..1). */
export async function objectiveGradient<T>(backend: TensorBackend<T>, nodes: NetNode[], input: Float32Array, h: number, w: number, objective: Objective): Promise<{ loss: number; grad: Float32Array }> {
  if (backend.wholeGradient && objective.spec) {
    // The loss is the objective's own sum over the activation, as on the op-by-op path.
    const r = await backend.wholeGradient(nodes, input, h, w, objective.spec);
    return { loss: objective(r.activation, r.shape).loss, grad: r.grad };
  }
  const { acts, shapes } = await runForward(backend, nodes, input, h, w);
  const grads = new Map<string, T>();
  const addGrad = async (id: string, g: T): Promise<void> => {
    const prev = grads.get(id);
    if (!prev) return void grads.set(id, g);
    grads.set(id, await backend.add(prev, g));
    backend.dispose(prev);
    backend.dispose(g);
  };
  try {
    const last = nodes[nodes.length - 1];
    const { loss, seed } = objective(await backend.read(acts.get(last.id)!), shapes.get(last.id)!);
    grads.set(last.id, await backend.upload(seed, shapes.get(last.id)!));
    for (let i = nodes.length - 1; i > 0; i--) {
      const n = nodes[i];
      const g = grads.get(n.id);
      if (!g) continue; // feeds nothing the objective reads
      grads.delete(n.id);
      const inShape = n.op === 'concat' ? undefined : shapes.get(nodeInputs(n)[0])!;
      if (n.op === 'conv') {
        const gy = await backend.reluBackward(g, acts.get(n.id)!);
        await addGrad(n.input, await backend.conv2dBackwardInput(gy, n.conv, inShape!));
        backend.dispose(gy);
      } else if (n.op === 'maxpool') {
        await addGrad(n.input, await backend.maxPoolBackward(g, acts.get(n.input)!, acts.get(n.id)!, n.pool));
      } else if (n.op === 'avgpool') {
        await addGrad(n.input, await backend.avgPoolBackward(g, inShape!, n.pool));
      } else if (n.op === 'concat') {
        let begin = 0;
        for (const id of n.inputs) {
          const c = shapes.get(id)![2];
          await addGrad(id, await backend.sliceChannels(g, begin, c));
          begin += c;
        }
      }
      backend.dispose(g);
    }
    const gIn = grads.get(nodes[0].id);
    const grad = gIn ? await backend.read(gIn) : new Float32Array(h * w * 3);
    return { loss, grad };
  } finally {
    for (const t of grads.values()) backend.dispose(t);
    for (const t of acts.values()) backend.dispose(t);
  }
}
