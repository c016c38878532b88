/** DeepDream on InceptionV3 (nsfwjs weights): the public surface of operations/deepdream. */
export { dream, resolveDreamOptions, octaveSizes, tileSpans } from './dream.ts';
export type { DreamOptions, DreamProgress, DreamProgressDetail } from './dream.ts';
export type { TensorBackend, BackendName } from './backend.ts';
export { createTfjsBackend } from './backend-tfjs.ts';
export { createGpujsBackend } from './backend-gpujs.ts';
export type { GpuMode, GpuTensor } from './backend-gpujs.ts';
export { selectBackend, hardwareGpuAdapter, engineStatus } from './select-backend.ts';
export type { BackendChoice, EngineStatus } from './select-backend.ts';
export { loadNet, DEFAULT_CACHE_DIR } from './weight-cache.ts';
export { objectiveGradient, meanSquareObjective, forward } from './gradient.ts';
export type { Objective } from './gradient.ts';
export { DREAM_LAYERS, subnet, inferShapes, minInputSize, forwardMacs } from './net-types.ts';
export type { DreamLayer, Net, NetNode, ConvSpec, PoolSpec, Shape } from './net-types.ts';
