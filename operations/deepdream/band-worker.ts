/**
 * A thread computing one row band of a gradient (row-bands.ts) on its own tfjs-wasm instance:
 * loss and input gradient of the band's owned rows.
 */
import { createTfjsBackend } from './backend-tfjs.ts';
import { objectiveGradient } from './gradient.ts';
import { subnet, type DreamLayer, type NetNode } from './net-types.ts';
import { buildObjective, type ObjectiveSpec } from './objective-spec.ts';
import { bandObjective, type RowBand } from './row-bands.ts';
import { loadNet } from './weight-cache.ts';

export interface BandTask {
  cacheDir: string;
  layer: DreamLayer;
  /** The band's input rows, [rows, w, 3]. */
  input: Float32Array;
  w: number;
  band: RowBand;
  layerRows: number;
  objective: ObjectiveSpec;
}

const nets = new Map<string, NetNode[]>();

export default async function bandGradient(task: BandTask): Promise<{ loss: number; grad: Float32Array }> {
  const key = `${task.cacheDir}\n${task.layer}`;
  let nodes = nets.get(key);
  if (!nodes) nets.set(key, (nodes = subnet(loadNet(task.cacheDir), task.layer)));
  const rows = task.band.input[1] - task.band.input[0];
  const r = await objectiveGradient(await createTfjsBackend(), nodes, task.input, rows, task.w, bandObjective(buildObjective(task.objective), task.band, task.layerRows));
  return { loss: r.loss, grad: r.grad }; // a 2 MB copy at 512 px: noise next to the step
}
