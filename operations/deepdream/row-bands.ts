/**
 * Splitting one gradient into horizontal bands that threads compute at once, with the same
 * result as the whole image up to float rounding. Each band owns a range of the dream layer's
 * rows and is given the input rows those rows read (their receptive field), so every activation
 * its owned rows depend on is computed from the same pixels as in the whole image: zero padding
 * at a band's cut never reaches them. Its objective counts the owned rows only, normalised by
 * the whole layer, so the bands' losses and input gradients add up to the whole image's.
 */
import type { Objective } from './gradient.ts';
import { inferShapes, type NetNode } from './net-types.ts';

/** Layer row i reads input rows [stride*i + lo, stride*i + hi] (TensorFlow padding). */
export interface RowReach {
  stride: number;
  lo: number;
  hi: number;
}

/** The rows of the input each row of the net's last node reads, through its widest path. */
export function rowReach(nodes: NetNode[]): RowReach {
  const reach = new Map<string, RowReach>();
  for (const n of nodes) {
    if (n.op === 'input') reach.set(n.id, { stride: 1, lo: 0, hi: 0 });
    else if (n.op === 'concat') {
      const parts = n.inputs.map((i) => reach.get(i)!);
      reach.set(n.id, { stride: parts[0].stride, lo: Math.min(...parts.map((p) => p.lo)), hi: Math.max(...parts.map((p) => p.hi)) });
    } else {
      const r = reach.get(n.input)!;
      const [k, s, padding] = n.op === 'conv' ? [n.conv.kh, n.conv.stride, n.conv.padding] : [n.pool.size, n.pool.stride, n.pool.padding];
      if (padding === 'same' && s !== 1) throw new Error(`row bands need stride-1 'same' layers (${n.id})`);
      const pad = padding === 'same' ? Math.floor((k - 1) / 2) : 0;
      reach.set(n.id, { stride: r.stride * s, lo: r.lo - r.stride * pad, hi: r.hi + r.stride * (k - 1 - pad) });
    }
  }
  return reach.get(nodes[nodes.length - 1].id)!;
}

export interface RowBand {
  /** Input rows [start, end) the band is given. */
  input: [number, number];
  /** Layer rows it owns, in whole-image coordinates [start, end). */
  own: [number, number];
  /** The same rows in the band's own layer output. */
  ownInBand: [number, number];
}

/**
 * Up to `count` bands over an input `h` rows high (fewer when the image is too short for more
 * to save work). Band inputs start on a multiple of the net's stride, so a band's layer grid is
 * the whole image's grid shifted by whole rows.
 */
export function planRowBands(nodes: NetNode[], h: number, w: number, count: number): RowBand[] {
  const rows = inferShapes(nodes, h, w).get(nodes[nodes.length - 1].id)![0];
  const { stride, lo, hi } = rowReach(nodes);
  const bands: RowBand[] = [];
  const n = Math.max(1, Math.min(count, Math.floor(rows / 2)));
  for (let b = 0; b < n; b++) {
    const own: [number, number] = [Math.round((b * rows) / n), Math.round(((b + 1) * rows) / n)];
    const start = b === 0 ? 0 : Math.max(0, Math.floor((stride * own[0] + lo) / stride) * stride);
    const end = b === n - 1 ? h : Math.min(h, stride * (own[1] - 1) + hi + 1);
    const bandRows = inferShapes(nodes, end - start, w).get(nodes[nodes.length - 1].id)![0];
    const first = own[0] - start / stride;
    if (first + own[1] - own[0] > bandRows) return [{ input: [0, h], own: [0, rows], ownInBand: [0, rows] }];
    bands.push({ input: [start, end], own, ownInBand: [first, first + own[1] - own[0]] });
  }
  // A band that would read (nearly) the whole image saves nothing.
  return bands.some((b) => b.input[1] - b.input[0] > 0.9 * h) ? [{ input: [0, h], own: [0, rows], ownInBand: [0, rows] }] : bands;
}

/** `objective` on the band's owned rows, scaled as their share of the whole layer's rows. */
export function bandObjective(objective: Objective, band: RowBand, layerRows: number): Objective {
  return (a, [h, w, c]) => {
    const [r0, r1] = band.ownInBand;
    if (r0 === 0 && r1 === h && band.own[1] - band.own[0] === layerRows) return objective(a, [h, w, c]);
    const row = w * c;
    const part = objective(a.subarray(r0 * row, r1 * row), [r1 - r0, w, c]);
    const share = (r1 - r0) / layerRows;
    const seed = new Float32Array(a.length);
    for (let i = 0; i < part.seed.length; i++) seed[r0 * row + i] = part.seed[i] * share;
    return { loss: part.loss * share, seed };
  };
}
