/**
 * Uses several cores for one gradient: tfjs-wasm runs single-threaded under Node (its threaded
 * build starts no XNNPACK threads there, see bench/deepdream.md), so the image is cut into row
 * bands (row-bands.ts) computed at once by worker threads, each with its own wasm instance.
 * Works the same when the dream itself runs in a worker thread (nested workers) or on the main
 * thread (CLI, bench). One pool per thread that dreams, sized by the dream's `threads`.
 */
import { Piscina } from 'piscina';
import type { BandTask } from './band-worker.ts';
import type { DreamLayer, NetNode } from './net-types.ts';
import { inferShapes } from './net-types.ts';
import type { ObjectiveSpec } from './objective-spec.ts';
import { planRowBands } from './row-bands.ts';
import { crop } from './image-array.ts';

let pool: Piscina | undefined;

function bandPool(threads: number): Piscina {
  if (pool && pool.options.maxThreads !== threads) {
    void pool.destroy();
    pool = undefined;
  }
  pool ??= new Piscina({
    filename: new URL('./band-worker-entry.mjs', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    // Warm threads keep their wasm instance and weights between steps and dreams; idle ones
    // are unref'd by piscina, so they never hold a finished CLI run open.
    idleTimeout: 60_000,
    concurrentTasksPerWorker: 1,
  });
  return pool;
}

export interface BandGradientOptions {
  threads: number;
  cacheDir: string;
  layer: DreamLayer;
  objective: ObjectiveSpec;
}

/**
 * Loss and input gradient of [h, w, 3] `x`, its rows split over `threads` threads; undefined
 * when the image is too short for bands to save work (the caller computes it whole).
 */
export async function bandGradient(nodes: NetNode[], x: Float32Array, h: number, w: number, o: BandGradientOptions): Promise<{ loss: number; grad: Float32Array } | undefined> {
  if (o.threads < 2) return undefined;
  const bands = planRowBands(nodes, h, w, o.threads);
  if (bands.length < 2) return undefined;
  const layerRows = inferShapes(nodes, h, w).get(nodes[nodes.length - 1].id)![0];
  const p = bandPool(o.threads);
  const parts = await Promise.all(
    bands.map((band) => {
      const input = crop(x, w, 3, band.input[0], 0, band.input[1] - band.input[0], w);
      const task: BandTask = { cacheDir: o.cacheDir, layer: o.layer, input, w, band, layerRows, objective: o.objective };
      return p.run(task, { transferList: [input.buffer as ArrayBuffer] }) as Promise<{ loss: number; grad: Float32Array }>;
    }),
  );
  const grad = new Float32Array(x.length);
  let loss = 0;
  parts.forEach((r, i) => {
    const at = bands[i].input[0] * w * 3;
    for (let j = 0; j < r.grad.length; j++) grad[at + j] += r.grad[j];
    loss += r.loss;
  });
  return { loss, grad };
}
