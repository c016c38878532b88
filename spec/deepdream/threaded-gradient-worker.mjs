// A worker thread that starts its own cpu backend (workerData.backend: tfjs unless told) with the
// thread count it is given and returns one gradient: the threaded tfjs-wasm build must start inside a worker thread too (nested
// pthread workers), as it does when a dream runs on the compute pool.
import { parentPort, workerData } from 'node:worker_threads';

const { register } = await import('tsx/esm/api');
register();
const dd = await import('../../operations/deepdream/index.ts?tsx');
const { noiseInput } = await import('./helpers.ts?tsx');
const backend = await dd.selectBackend(workerData.backend ?? 'tfjs', 'webgpu', workerData.threads);
const nodes = dd.subnet(dd.loadNet(), workerData.layer);
const x = noiseInput(workerData.size, workerData.size, workerData.seed);
const r = await dd.objectiveGradient(backend, nodes, x, workerData.size, workerData.size, dd.meanSquareObjective());
parentPort.postMessage({ description: backend.description, loss: r.loss, grad: r.grad });
