/**
 * The dream's forward pass AND its input gradient as one feed-forward ONNX graph, written from
 * our net definition, so an inference engine (onnxruntime's MLAS kernels) can run it: DeepDream
 * never needs weight gradients, only d(objective)/d(input), and every backward op of the trunk is
 * itself an inference op with the same weights:
 *   stride-1 conv   -> Conv with the kernel flipped and its channels swapped (the NCHWc path)
 *   strided conv    -> ConvTranspose with the forward weights (valid padding only, as in the net)
 *   ReLU            -> dy * Sign(y) (y >= 0, so Sign is the step the tfjs path uses)
 *   max-pool        -> MaxPool's Indices + ScatterElements(add) (overlapping windows sum)
 *   avg-pool (same, padding not counted) -> dy / count, summed over the same windows
 *   concat          -> Split
 * Layout NCHW inside; the graph takes and returns NHWC so callers see what the tfjs path sees.
 */
import type { ObjectiveSpec } from '../gradient.ts';
import { inferShapes, nodeInputs, padBefore, type ConvSpec, type NetNode } from '../net-types.ts';
import { ModelBuilder } from './model-builder.ts';


export const INPUT = 'x';
export const ACTIVATION = 'activation';
export const GRAD = 'grad';

/** Forward weights in ONNX order: [kh][kw][cin][cout] -> [cout][cin][kh][kw]. */
function forwardWeights(c: ConvSpec): Float32Array {
  const out = new Float32Array(c.weights.length);
  for (let y = 0; y < c.kh; y++)
    for (let x = 0; x < c.kw; x++)
      for (let ci = 0; ci < c.cin; ci++)
        for (let co = 0; co < c.cout; co++) out[((co * c.cin + ci) * c.kh + y) * c.kw + x] = c.weights[((y * c.kw + x) * c.cin + ci) * c.cout + co];
  return out;
}

/** The stride-1 input gradient's kernel: flipped in space, in and out channels swapped. */
function backwardWeights(c: ConvSpec): Float32Array {
  const out = new Float32Array(c.weights.length);
  for (let y = 0; y < c.kh; y++)
    for (let x = 0; x < c.kw; x++)
      for (let ci = 0; ci < c.cin; ci++)
        for (let co = 0; co < c.cout; co++) out[((ci * c.cout + co) * c.kh + (c.kh - 1 - y)) * c.kw + (c.kw - 1 - x)] = c.weights[((y * c.kw + x) * c.cin + ci) * c.cout + co];
  return out;
}

/** How many in-image pixels each 3x3/1 'same' window covers, as 1/count, [1, 1, h, w]. */
function inverseCounts(h: number, w: number, k: number): Float32Array {
  const span = (i: number, n: number): number => {
    const before = padBefore(n, k, 1, 'same');
    return Math.min(n - 1, i - before + k - 1) - Math.max(0, i - before) + 1;
  };
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = 1 / (span(y, h) * span(x, w));
  return out;
}

/** The model for `nodes` (ending at the dream layer) at an h x w input. */
export function buildGradientModel(nodes: NetNode[], h: number, w: number, objective: ObjectiveSpec): Uint8Array {
  const shapes = inferShapes(nodes, h, w);
  const b = new ModelBuilder();
  const acts = new Map<string, string>();
  const maxIndices = new Map<string, string>();
  const weights = new Map<ConvSpec, string>();
  const fwdW = (n: string, c: ConvSpec): string => {
    let name = weights.get(c);
    if (!name) weights.set(c, (name = b.floats(`${n}_w`, forwardWeights(c), [c.cout, c.cin, c.kh, c.kw])));
    return name;
  };

  b.input(INPUT, [1, h, w, 3]);
  for (const n of nodes) {
    if (n.op === 'input') {
      acts.set(n.id, b.op1('Transpose', [INPUT], { perm: [0, 3, 1, 2] }, 'x_nchw'));
      continue;
    }
    if (n.op === 'concat') {
      acts.set(n.id, b.op1('Concat', n.inputs.map((i) => acts.get(i)!), { axis: 1 }, n.id));
      continue;
    }
    const [ih, iw] = shapes.get(n.input)!;
    const x = acts.get(n.input)!;
    if (n.op === 'conv') {
      const c = n.conv;
      if (c.padding === 'same' && c.stride !== 1) throw new Error(`strided same conv ${n.id} is not supported`);
      const [pt, pl] = [padBefore(ih, c.kh, 1, c.padding), padBefore(iw, c.kw, 1, c.padding)];
      const pads = c.padding === 'same' ? [pt, pl, c.kh - 1 - pt, c.kw - 1 - pl] : [0, 0, 0, 0];
      const bias = b.floats(`${n.id}_b`, c.bias, [c.cout]);
      const conv = b.op1('Conv', [x, fwdW(n.id, c), bias], { kernel_shape: [c.kh, c.kw], strides: [c.stride, c.stride], pads }, `${n.id}_conv`);
      acts.set(n.id, b.op1('Relu', [conv], {}, n.id));
    } else if (n.op === 'maxpool') {
      if (n.pool.padding !== 'valid') throw new Error(`same max-pool ${n.id} is not supported`);
      const [y, idx] = b.op('MaxPool', [x], { kernel_shape: [n.pool.size, n.pool.size], strides: [n.pool.stride, n.pool.stride] }, 2, n.id);
      acts.set(n.id, y);
      maxIndices.set(n.id, idx);
    } else {
      if (n.pool.stride !== 1 || n.pool.padding !== 'same' || n.pool.size !== 3) throw new Error(`only 3x3/1 same avg-pool is supported (${n.id})`);
      acts.set(n.id, b.op1('AveragePool', [x], { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], count_include_pad: 0 }, n.id));
    }
  }

  // Objective seed: d(mean of squares)/dy = 2y/n over the chosen channels.
  const last = nodes[nodes.length - 1];
  const [lh, lw, lc] = shapes.get(last.id)!;
  const y = acts.get(last.id)!;
  b.outputAs(b.op1('Transpose', [y], { perm: [0, 2, 3, 1] }, 'act_nhwc'), ACTIVATION, [1, lh, lw, lc]);
  let seed: string;
  if (objective.channel < 0) seed = b.op1('Mul', [y, b.floats('seed_scale', Float32Array.of(2 / (lh * lw * lc)), [])], {}, 'seed');
  else {
    const mask = new Float32Array(lc);
    mask[objective.channel] = 2 / (lh * lw);
    seed = b.op1('Mul', [y, b.floats('seed_mask', mask, [1, lc, 1, 1])], {}, 'seed');
  }

  // Backward, last node first; a node's gradient is the sum of what its consumers sent it.
  const pending = new Map<string, string[]>([[last.id, [seed]]]);
  const send = (id: string, g: string): void => void pending.set(id, [...(pending.get(id) ?? []), g]);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    const parts = pending.get(n.id);
    if (!parts) continue; // feeds nothing the objective reads
    const g = parts.length === 1 ? parts[0] : b.op1('Sum', parts, {}, `${n.id}_gsum`);
    if (n.op === 'input') {
      b.outputAs(b.op1('Transpose', [g], { perm: [0, 2, 3, 1] }, 'grad_nhwc'), GRAD, [1, h, w, 3]);
      continue;
    }
    if (n.op === 'concat') {
      const sizes = n.inputs.map((id) => shapes.get(id)![2]);
      const outs = b.op('Split', [g, b.ints(`${n.id}_split`, sizes)], { axis: 1 }, sizes.length, `${n.id}_gsplit`);
      n.inputs.forEach((id, k) => send(id, outs[k]));
      continue;
    }
    const [ih, iw, ic] = shapes.get(nodeInputs(n)[0])!;
    if (n.op === 'conv') {
      const c = n.conv;
      const gy = b.op1('Mul', [g, b.op1('Sign', [acts.get(n.id)!], {}, `${n.id}_step`)], {}, `${n.id}_gy`);
      const [oh, ow] = shapes.get(n.id)!;
      if (c.stride === 1) {
        const top = c.kh - 1 - padBefore(ih, c.kh, 1, c.padding);
        const left = c.kw - 1 - padBefore(iw, c.kw, 1, c.padding);
        const pads = [top, left, ih + c.kh - 1 - oh - top, iw + c.kw - 1 - ow - left];
        const wb = b.floats(`${n.id}_wback`, backwardWeights(c), [c.cin, c.cout, c.kh, c.kw]);
        send(n.input, b.op1('Conv', [gy, wb], { kernel_shape: [c.kh, c.kw], strides: [1, 1], pads }, `${n.id}_gx`));
      } else {
        const outputPadding = [ih - (oh - 1) * c.stride - c.kh, iw - (ow - 1) * c.stride - c.kw];
        send(n.input, b.op1('ConvTranspose', [gy, fwdW(n.id, c)], { kernel_shape: [c.kh, c.kw], strides: [c.stride, c.stride], output_padding: outputPadding }, `${n.id}_gx`));
      }
    } else if (n.op === 'maxpool') {
      const flat = b.ints(`${n.id}_flat`, [-1]);
      const zeros = b.op1('ConstantOfShape', [b.ints(`${n.id}_insize`, [ic * ih * iw])], {}, `${n.id}_zeros`);
      const idx = b.op1('Reshape', [maxIndices.get(n.id)!, flat], {}, `${n.id}_idx`);
      const scattered = b.op1('ScatterElements', [zeros, idx, b.op1('Reshape', [g, flat], {}, `${n.id}_gflat`)], { axis: 0, reduction: 'add' }, `${n.id}_gscatter`);
      send(n.input, b.op1('Reshape', [scattered, b.ints(`${n.id}_inshape`, [1, ic, ih, iw])], {}, `${n.id}_gx`));
    } else {
      // Window q spreads dy[q]/count[q] over the pixels it read: a padded 3x3 sum of dy/count.
      const scaled = b.op1('Mul', [g, b.floats(`${n.id}_invcount`, inverseCounts(ih, iw, 3), [1, 1, ih, iw])], {}, `${n.id}_gscaled`);
      const mean = b.op1('AveragePool', [scaled], { kernel_shape: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], count_include_pad: 1 }, `${n.id}_gmean`);
      send(n.input, b.op1('Mul', [mean, b.floats(`${n.id}_nine`, Float32Array.of(9), [])], {}, `${n.id}_gx`));
    }
  }
  if (!pending.has(nodes[0].id)) throw new Error('the objective does not depend on the input');
  return b.encode(`deepdream_${last.id}_${h}x${w}`);
}
