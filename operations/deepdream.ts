import { defineOperation } from './define.ts';
import { dream, DREAM_LAYERS, engineStatus, type DreamLayer } from './deepdream/index.ts';

/**
 * DeepDream: gradient ascent on the image so a layer of InceptionV3 (ImageNet weights shipped in
 * npm nsfwjs) fires harder. The backend (cpu: onnxruntime-node, else tfjs-wasm; gpu: gpu.js on WebGPU) and the weight
 * cache come from IMGFLOW_DEEPDREAM_BACKEND and IMGFLOW_DEEPDREAM_CACHE_DIR, the threads per gradient from
 * IMGFLOW_DEEPDREAM_THREADS (see operations/deepdream).
 */
export default defineOperation({
  name: 'deepdream',
  title: 'DeepDream',
  description: 'Dreams on the image with InceptionV3: amplifies what a layer (or one channel of it) sees, over several octaves, so eyes, swirls and animal parts grow out of the picture',
  icon: 'eye',
  category: 'generate',
  inputs: {
    input: { description: 'Image to dream on; the output has its size' },
    guide: { description: 'Optional guide image: the dream grows its textures instead of the layer\'s favourites', required: false },
  },
  params: {
    layer: { type: 'enum', values: DREAM_LAYERS, default: 'mixed3', description: 'Inception layer to amplify: mixed0-2 give strokes and textures, mixed3-5 eyes, fur and faces' },
    channel: { type: 'int', default: -1, min: -1, max: 767, description: 'One channel of the layer (mixed0 has 256, mixed1-2 288, mixed3-5 768), or -1 for all' },
    octaves: { type: 'int', default: 3, min: 1, max: 8, description: 'Number of scales dreamt on, smallest first' },
    'octave-scale': { type: 'number', default: 1.4, min: 1.1, max: 2, description: 'Size ratio between consecutive octaves' },
    iterations: { type: 'int', default: 10, min: 0, max: 100, uiMax: 40, description: 'Ascent steps per octave' },
    step: { type: 'number', default: 0.015, min: 0.001, max: 0.1, uiMax: 0.05, description: 'Step size per iteration, relative to the -1..1 pixel range' },
    jitter: { type: 'int', default: 32, min: 0, max: 128, unit: 'px', description: 'Largest random shift applied before each step (hides the network\'s grid)' },
    'tile-size': { type: 'int', default: 512, min: 128, max: 2048, unit: 'px', description: 'Larger images are dreamt in overlapping tiles of about this size' },
    seed: { type: 'int', default: 0, min: 0, max: 2147483647, description: 'Seeds the random shifts: same image, parameters and seed give the same dream' },
  },
  // Stops between steps when ctx.cancelled() says so: its thread is never terminated mid-step
  // (onnxruntime-node aborts the process then).
  cooperative: true,
  // onnxruntime-node, or tfjs-wasm and why (an optional dependency that may not load).
  engine: engineStatus,
  process: (img, p, aux, ctx) =>
    dream(
      img,
      {
        layer: p.layer as DreamLayer,
        channel: p.channel as number,
        octaves: p.octaves as number,
        octaveScale: p['octave-scale'] as number,
        iterations: p.iterations as number,
        step: p.step as number,
        jitter: p.jitter as number,
        tileSize: p['tile-size'] as number,
        seed: p.seed as number,
        guide: aux.guide,
        signal: ctx.signal,
        cancelled: ctx.cancelled,
      },
      (fraction, d) => ctx.progress(fraction, { octave: d.octave, iteration: d.iteration, eta: d.eta }),
    ),
});
