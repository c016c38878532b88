/**
 * Picks the tensor backend: `cpu` (onnxruntime-node when it loads, else tfjs-wasm), `onnx`
 * (onnxruntime-node, or an error), `tfjs` (tfjs-wasm, the engine cpu ran before onnx), `gpu`
 * (gpu.js kernels), or `auto`, which is `gpu` only when Dawn finds a hardware adapter, else `cpu`.
 *
 * onnx is about 4x faster per step than tfjs-wasm. It is safe in compute threads because a dream
 * is cancelled cooperatively (runtime/offload/compute-pool.ts): a thread terminated while
 * onnxruntime-node runs a step aborts the whole process. onnxruntime-node is an optional
 * dependency: where it does not load, cpu falls back to tfjs-wasm and says why (engineStatus(),
 * reported in /healthz and logged by the server). A software adapter (lavapipe/llvmpipe,
 * SwiftShader) is no GPU: gpu.js on it runs about 40x slower than tfjs-wasm.
 */
import type { EngineReport } from '../define.ts';
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

/**
 * What this thread's last dream ran on; fallbackReason says why not on onnxruntime-node when cpu
 * (or auto) ran tfjs-wasm because onnxruntime-node did not load.
 */
export interface EngineStatus extends EngineReport {
  /** The choice asked for (IMGFLOW_DEEPDREAM_BACKEND). */
  requested: BackendChoice;
}

let status: EngineStatus | undefined;

export function engineStatus(): EngineStatus | undefined {
  return status;
}

/** The cpu engine: onnxruntime-node, else tfjs-wasm with the reason kept for engineStatus(). */
async function cpuBackend(requested: BackendChoice, threads?: number): Promise<TensorBackend<any>> {
  try {
    const onnx = await createOnnxBackend(threads);
    status = { requested, engine: onnx.description };
    return onnx;
  } catch (err) {
    const tfjs = await createTfjsBackend(threads);
    status = { requested, engine: tfjs.description, fallbackReason: (err as Error).message };
    return tfjs;
  }
}

/** `threads`: compute threads of the cpu backend when this thread starts it (see createTfjsBackend). */
export async function selectBackend(choice: BackendChoice, gpuMode: GpuMode = 'webgpu', threads?: number): Promise<TensorBackend<any>> {
  if (choice === 'cpu') return cpuBackend(choice, threads);
  const chosen = choice === 'onnx' ? await createOnnxBackend(threads)
    : choice === 'tfjs' ? await createTfjsBackend(threads)
      : choice === 'gpu' ? await createGpujsBackend(gpuMode)
        : (await hardwareGpuAdapter()) ? await createGpujsBackend('webgpu') : undefined;
  if (!chosen) return cpuBackend(choice, threads);
  status = { requested: choice, engine: chosen.description };
  return chosen;
}
