/**
 * Objectives as plain data, so threads computing parts of one gradient (row-bands.ts) can each
 * rebuild the dream's objective: a closure cannot cross to a worker thread.
 */
import { meanSquareObjective, type Objective } from './gradient.ts';
import { guideMatch } from './guide.ts';
import type { Shape } from './net-types.ts';

export type ObjectiveSpec = { kind: 'mean-square'; channel: number } | { kind: 'guide'; features: Float32Array; shape: Shape };

export function buildObjective(spec: ObjectiveSpec): Objective {
  return spec.kind === 'guide' ? guideMatch(spec.features, spec.shape) : meanSquareObjective(spec.channel);
}
