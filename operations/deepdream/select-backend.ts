/**
 * Picks the tensor backend: `cpu` (tfjs-wasm), `onnx` (onnxruntime-node, opt-in), `tfjs` (the
 * same as cpu), `gpu` (gpu.js kernels), or `auto`, which is `gpu` only when Dawn finds a hardware
 * adapter, else `cpu`.
 *
 * onnx is about 4x faster per step but not the default: a compute thread terminated while
 * onnxruntime-node runs a step (a time limit, a client gone, shutdown) aborts the whole process
 * (`terminate called after throwing an instance of 'Napi::Error'`, seen in
 * spec/server/jobs/run-job.spec.ts's time-limit case). It becomes the default once a step can be
 * cancelled without terminating its thread. A software adapter (lavapipe/llvmpipe, SwiftShader)
 * is no GPU: gpu.js on it runs about 40x slower than tfjs-wasm.
 */
import type { TensorBackend } from './backend.ts';
import { createGpujsBackend, installWebGpu, type GpuMode } from './backend-gpujs.ts';
import { createTfjsBackend } from './backend-tfjs.ts';
import { createOnnxBackend } from './onnx/backend-onnx.ts';
import { vulkanLoaderPresent } from '../kernels/vulkan.ts';

export type BackendChoice = 'auto' | 'cpu' | 'gpu' | 'onnx' | 'tfjs';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'cpu', 'gpu', 'onnx', 'tfjs'];

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
}

let probe: Promise<AdapterInfo | undefined> | undefined;

/** The WebGPU adapter Dawn would use, or undefined when there is none or it is software. */
export function hardwareGpuAdapter(): Promise<AdapterInfo | undefined> {
  probe ??= (async () => {
    let undo = (): void => {};
    if (!vulkanLoaderPresent()) return undefined;
    try {
      undo = await installWebGpu();
      const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<{ info?: AdapterInfo } | null> } } }).navigator?.gpu;
      const adapter = await gpu?.requestAdapter();
      const info = adapter?.info;
      if (!info || /software|cpu/i.test(info.architecture) || /llvmpipe|lavapipe|swiftshader/i.test(info.description)) {
        undo(); // leave no adapter-less navigator.gpu for other gpu.js users to trip on
        return undefined;
      }
      return { vendor: info.vendor, architecture: info.architecture, description: info.description };
    } catch {
      undo();
      return undefined; // no Vulkan loader, or Dawn does not load on this libc
    }
  })();
  return probe;
}

/** The cpu engine: tfjs-wasm (see above for why not onnxruntime-node). */
async function cpuBackend(threads?: number): Promise<TensorBackend<any>> {
  return createTfjsBackend(threads);
}

/** `threads`: compute threads of the cpu backend when this thread starts it (see createTfjsBackend). */
export async function selectBackend(choice: BackendChoice, gpuMode: GpuMode = 'webgpu', threads?: number): Promise<TensorBackend<any>> {
  if (choice === 'cpu') return cpuBackend(threads);
  if (choice === 'onnx') return createOnnxBackend(threads);
  if (choice === 'tfjs') return createTfjsBackend(threads);
  if (choice === 'gpu') return createGpujsBackend(gpuMode);
  return (await hardwareGpuAdapter()) ? createGpujsBackend('webgpu') : cpuBackend(threads);
}
