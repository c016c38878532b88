/**
 * The gpu.js kernel layer: backend choice, fused kernel chains, counters.
 * Pixel layout and fusion rule: operations/kernels/README.md.
 */
import type { RawImage } from '../define.ts';
import { readyBackendInfo } from './backend.ts';
import { runSteps, toPassSteps } from './chain.ts';
import type { KernelStep } from './descriptor.ts';

export { configureGpu, getGpu, gpuFallbackNotice, gpuInfo, type GpuJs, type GpuKernel, type GpuInfo, type GpuMode, type AdapterInfo } from './backend.ts';
export { kernelCounters, resetKernelCounters, splitPasses, type KernelCounters } from './chain.ts';
export { KernelParamError, point, neighbourhood, type KernelDescriptor, type KernelSource, type KernelStep } from './descriptor.ts';

/**
 * Runs a maximal run of consecutive kernel nodes over `img` (1-4 channels, 8-bit) and returns
 * RGBA 8-bit of the same size. Consecutive point ops run as one kernel pass unless `fuse` is
 * false (one pass per op, for measuring what fusion saves).
 */
export async function runKernelChain(steps: KernelStep[], img: RawImage, { fuse = true }: { fuse?: boolean } = {}): Promise<RawImage> {
  await readyBackendInfo();
  return runSteps(toPassSteps(steps), img, undefined, fuse);
}
