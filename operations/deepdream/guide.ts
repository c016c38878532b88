/**
 * Guided dreams (Google's deepdream notebook): each position of the dream layer is pulled
 * toward the guide image's feature vector it already matches best, so the dream grows the
 * guide's textures instead of whatever the layer likes most.
 */
import type { RawImage } from '../define.ts';
import type { TensorBackend } from './backend.ts';
import { forward, type Objective } from './gradient.ts';
import { toNetInput } from './image-array.ts';
import type { NetNode } from './net-types.ts';

/** The guide is seen at about Inception's native size. */
const GUIDE_SIDE = 299;

export async function guideObjective<T>(backend: TensorBackend<T>, nodes: NetNode[], guide: RawImage, minSide: number): Promise<Objective> {
  const f = Math.max(minSide / Math.min(guide.width, guide.height), Math.min(1, GUIDE_SIDE / Math.max(guide.width, guide.height)));
  const [gh, gw] = [Math.max(minSide, Math.round(guide.height * f)), Math.max(minSide, Math.round(guide.width * f))];
  const src = await backend.upload(toNetInput(guide), [guide.height, guide.width, 3]);
  const sized = await backend.resize(src, gh, gw);
  const input = await backend.read(sized);
  backend.dispose(src);
  backend.dispose(sized);
  const { activation: features, shape } = await forward(backend, nodes, input, gh, gw);
  const c = shape[2];
  const g = shape[0] * shape[1];
  return (a) => {
    const p = a.length / c;
    const seed = new Float32Array(a.length);
    let loss = 0;
    for (let i = 0; i < p; i++) {
      let best = 0;
      let bestDot = -Infinity;
      for (let j = 0; j < g; j++) {
        let dot = 0;
        for (let k = 0; k < c; k++) dot += a[i * c + k] * features[j * c + k];
        if (dot > bestDot) {
          bestDot = dot;
          best = j;
        }
      }
      loss += bestDot / p;
      for (let k = 0; k < c; k++) seed[i * c + k] = features[best * c + k] / p;
    }
    return { loss, seed };
  };
}
