/**
 * One gpu.js instance (and so one device) per process, chosen by configureGpu().
 * gpu.js is loaded lazily: the WebGPU globals must exist before it is, and a graph without
 * kernels never pays for it.
 */
import { vulkanLoaderPresent } from './vulkan.ts';
import { loadWebGpu, webgpuPackage } from './webgpu-package.ts';

export type GpuMode = 'auto' | 'webgpu' | 'headlessgl' | 'cpu';

export interface AdapterInfo { vendor: string; architecture: string; device: string; description: string }

export interface GpuInfo {
  requested: GpuMode;
  /** gpu.js mode actually in use. */
  mode: 'webgpu' | 'headlessgl' | 'cpu';
  /** Class of a compiled kernel (`kernel.kernel.constructor.name`), e.g. CPUKernel, WebGPUKernel. */
  kernelClass: string;
  adapter?: AdapterInfo;
  /** Why the requested backend is not the one in use. */
  fallbackReason?: string;
}

/** Minimal view of gpu.js we rely on (its bundled typings do not cover kernel maps well). */
export interface GpuJs {
  createKernel(source: string, settings: Record<string, unknown>): GpuKernel;
  createKernelMap(sub: Record<string, (v: number) => number>, source: string, settings: Record<string, unknown>): GpuKernel;
  destroy(): unknown;
}
export interface GpuKernel {
  (...args: unknown[]): unknown;
  setOutput(output: number[]): unknown;
  kernel?: { constructor: { name: string } };
  constructor: { name: string };
}

interface Backend { gpu: GpuJs; info: GpuInfo }

let current: Promise<Backend> | undefined;
let generation = 0;

/** Increments whenever the backend changes, so compiled-kernel caches know to drop. */
export function backendGeneration(): number {
  return generation;
}

type NavigatorGpu = { requestAdapter(): Promise<{ info?: Partial<AdapterInfo> } | null> };

async function probeWebGpu(): Promise<{ adapter?: AdapterInfo; reason?: string }> {
  try {
    // Someone (operations/deepdream's installWebGpu) already exposed Dawn: use that instance,
    // so the process has one Dawn instance and gpu.js's one device comes from it.
    const existing = (globalThis as { navigator?: { gpu?: NavigatorGpu } }).navigator?.gpu;
    if (!existing) {
      // The package first: without it nothing else matters, and its absence is the lean
      // install's normal state, so that is the reason worth reading.
      const found = webgpuPackage();
      if (!found.installed) return { reason: found.reason };
      if (!vulkanLoaderPresent()) return { reason: 'no Vulkan loader (libvulkan.so.1) on this machine' };
    }
    let gpu: NavigatorGpu;
    if (existing) gpu = existing;
    else {
      const { create, globals } = await loadWebGpu();
      Object.assign(globalThis, globals);
      gpu = create([]) as unknown as NavigatorGpu;
    }
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { reason: 'no WebGPU adapter (is a Vulkan driver installed?)' };
    // Node 20 has no navigator; Node 21+ defines a read-only getter, hence defineProperty.
    if (!existing) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    const i = adapter.info ?? {};
    return { adapter: { vendor: i.vendor ?? '', architecture: i.architecture ?? '', device: i.device ?? '', description: i.description ?? '' } };
  } catch (err) {
    return { reason: (err as Error).message.split('\n')[0] };
  }
}

type GpuClass = new (settings: Record<string, unknown>) => GpuJs;

async function loadGpuJs(): Promise<GpuClass> {
  const mod = (await import('gpu.js')) as unknown as { GPU?: unknown; default?: { GPU: unknown } };
  return (mod.GPU ?? mod.default!.GPU) as GpuClass;
}

/** Compiles a one-line kernel and reports the class gpu.js really used (isGPUSupported lies). */
async function kernelClassOf(gpu: GpuJs): Promise<string> {
  const k = gpu.createKernel('function (a) { return a[this.thread.x] + 1; }', { output: [1] });
  const out = k(new Float32Array([1]));
  if (out && typeof (out as Promise<unknown>).then === 'function') await out;
  return k.kernel?.constructor.name ?? k.constructor.name;
}

async function build(requested: GpuMode): Promise<Backend> {
  let reason: string | undefined;
  let adapter: AdapterInfo | undefined;
  if (requested === 'auto' || requested === 'webgpu') {
    const probe = await probeWebGpu();
    adapter = probe.adapter;
    reason = probe.reason;
  }
  const GPU = await loadGpuJs();
  const attempts: Array<'webgpu' | 'headlessgl' | 'cpu'> = [];
  if (adapter) attempts.push('webgpu');
  if (requested === 'headlessgl') attempts.push('headlessgl');
  attempts.push('cpu');
  for (const mode of attempts) {
    let gpu: GpuJs | undefined;
    try {
      gpu = new GPU({ mode });
      const kernelClass = await kernelClassOf(gpu);
      const info: GpuInfo = { requested, mode, kernelClass };
      if (mode === 'webgpu') info.adapter = adapter;
      if (requested !== 'auto' && requested !== mode) info.fallbackReason = reason ?? `gpu.js mode ${requested} is not available here`;
      else if (requested === 'auto' && mode === 'cpu' && reason) info.fallbackReason = reason;
      return { gpu, info };
    } catch (err) {
      try { gpu?.destroy(); } catch { /* already unusable */ }
      reason = `gpu.js mode ${mode} failed: ${(err as Error).message.split('\n')[0]}`;
    }
  }
  throw new Error(`No gpu.js backend works here: ${reason}`);
}

/**
 * Chooses the kernel backend for the process. `auto`: WebGPU (through the `webgpu` package)
 * when an adapter answers, else gpu.js CPU. An unavailable explicit mode falls back to CPU and
 * says why in `fallbackReason`; a failed probe never throws. Calling it again replaces the
 * backend (and drops compiled kernels).
 */
export async function configureGpu(mode: GpuMode = 'auto'): Promise<GpuInfo> {
  const previous = current;
  const mine = ++generation;
  current = track(build(mode), mine);
  if (previous) previous.then((b) => b.gpu.destroy()).catch(() => undefined);
  return (await current).info;
}

/** The backend in use; configures CPU on first use when nobody called configureGpu. */
export function backend(): Promise<Backend> {
  if (!current) {
    current = track(build('cpu'), ++generation);
  }
  return current;
}

let lastInfo: GpuInfo | undefined;

function track(p: Promise<Backend>, gen: number): Promise<Backend> {
  return p.then((b) => {
    if (gen === generation) lastInfo = b.info;
    return b;
  });
}

/** What the backend in use is; undefined until configureGpu (or the first kernel) resolved. */
export function gpuInfo(): GpuInfo | undefined {
  return lastInfo;
}

/**
 * The process's gpu.js instance and what it runs on, for other gpu.js users (deepdream) to
 * share instead of creating their own: one Dawn instance, one WebGPU device (gpu.js keeps its
 * device in a module singleton), kernels compiled on one GPU object. Configures `cpu` when
 * nobody called configureGpu. A later configureGpu() destroys this instance (gpu.destroy(),
 * which leaves the WebGPU device alive); `generation` changes then, so a holder can tell.
 * Kernels compiled on it by others are theirs to manage; do not call destroy() on it.
 */
export async function getGpu(): Promise<{ gpu: GpuJs; info: GpuInfo; generation: number }> {
  const b = await backend();
  return { gpu: b.gpu, info: b.info, generation };
}

/**
 * The start-up log line for a process whose kernels did not get the GPU: info when `auto`
 * found none (the lean install's normal state), warn when a GPU mode was asked for by name.
 */
export function gpuFallbackNotice(info: GpuInfo): { level: 'info' | 'warn'; message: string } | undefined {
  if (!info.fallbackReason || info.mode === info.requested) return undefined;
  return { level: info.requested === 'auto' ? 'info' : 'warn', message: `kernels run on the CPU (gpu.js ${info.mode} mode): ${info.fallbackReason}` };
}

/** Waits for the backend (configuring CPU if nobody chose) and returns its info. */
export async function readyBackendInfo(): Promise<GpuInfo> {
  return (await backend()).info;
}
