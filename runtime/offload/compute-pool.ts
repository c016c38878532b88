/**
 * A pool of worker threads for the CPU-heavy JavaScript stages of a graph (kernels, pixel
 * operations, DeepDream), so one large kernel graph never stalls the event loop that answers
 * every other request. piscina keeps the threads warm between tasks (gpu.js compiles each
 * kernel once per thread) and terminates a thread whose task is aborted: a time limit or a
 * client that left ends the work mid-stage, not after it.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Params, RawImage } from '../../operations/define.ts';
import type { GpuMode } from '../../operations/kernels/backend.ts';
import { fromWire, type ComputeReply, type ComputeTask, type WirePixels, type WireStep } from './task.ts';

export interface ComputeStep {
  op: string;
  params: Params;
  aux: Record<string, RawImage>;
}

export interface ComputeRunOptions {
  /** Aborting terminates the thread running the task (the next task gets a fresh one). */
  signal?: AbortSignal;
  onProgress?: (fraction: number, detail: Record<string, unknown>) => void;
}

export interface ComputePoolStats {
  threads: number;
  running: number;
  queued: number;
  completed: number;
}

export interface ComputePool {
  run(kind: ComputeTask['kind'], steps: ComputeStep[], img: RawImage, options?: ComputeRunOptions): Promise<RawImage>;
  stats(): ComputePoolStats;
  close(): Promise<void>;
}

export interface ComputePoolOptions {
  /** Threads; default: the machine's parallelism. */
  threads?: number;
  /** Kernel backend each thread configures (the process's IMGFLOW_GPU). */
  gpu?: GpuMode;
  /**
   * How much lower than the event loop's the threads' scheduling priority is (nice(2) on Unix;
   * default 10). With as many busy threads as cores, the thread that answers every other
   * request would otherwise wait for a time slice behind them.
   */
  niceIncrement?: number;
  /** A thread that failed outside any task (default: a process warning). */
  onError?: (err: unknown) => void;
}

/** Thrown by run() when its signal aborted; `reason` is the signal's reason. */
export class ComputeAborted extends Error {
  readonly reason: unknown;
  constructor(reason: unknown) {
    super('compute task aborted');
    this.reason = reason;
    this.name = 'ComputeAborted';
  }
}

/** Bytes copied per turn of the event loop when pixels are handed to a thread. */
const COPY_SLICE = 1 << 20;

/**
 * Pixels in shared memory, copied a slice per turn of the event loop. A postMessage of a
 * 3000x2000 image copies 18 MB in one go (9 ms here; sharp's buffers are external and cannot
 * be transferred), and a few such requests arriving together held other requests for tens of
 * ms. A SharedArrayBuffer crosses to the thread without another copy.
 */
async function wire(img: RawImage): Promise<WirePixels> {
  const src = img.data;
  const shared = new Uint8Array(new SharedArrayBuffer(src.byteLength));
  for (let at = 0; at < src.byteLength; at += COPY_SLICE) {
    if (at > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    shared.set(src.subarray(at, at + COPY_SLICE), at);
  }
  return { data: shared, width: img.width, height: img.height, channels: img.channels };
}


async function wireSteps(steps: ComputeStep[]): Promise<WireStep[]> {
  const out: WireStep[] = [];
  for (const s of steps) {
    const aux: Record<string, WirePixels> = {};
    for (const [port, img] of Object.entries(s.aux)) aux[port] = await wire(img);
    out.push({ op: s.op, params: s.params, aux });
  }
  return out;
}

/** An error from the worker, with the fields the executor maps to a coded response. */
function rebuild(error: Extract<ComputeReply, { ok: false }>['error']): Error {
  return Object.assign(new Error(error.message), {
    name: error.name ?? 'Error',
    ...(error.code !== undefined && { code: error.code }),
    ...(error.statusCode !== undefined && { statusCode: error.statusCode }),
    ...(error.details !== undefined && { details: error.details }),
  });
}

/**
 * A thread that fails outside a task (it could not load) is an 'error' event on the pool; left
 * unhandled it would end the process. Tasks still fail on their own promises.
 */
function watched(pool: Piscina, onError: (err: unknown) => void): Piscina {
  pool.on('error', onError);
  return pool;
}

export function createComputePool(options: ComputePoolOptions = {}): ComputePool {
  const threads = Math.max(1, options.threads ?? availableParallelism());
  const gpu = options.gpu ?? 'auto';
  let pool: Piscina | undefined;
  let running = 0;
  let completed = 0;
  // Threads start on the first heavy stage: a server that only resizes never starts one.
  const piscina = () => pool ??= watched(new Piscina({
    filename: new URL('./compute-worker-entry.mjs', import.meta.url).href,
    minThreads: 0,
    maxThreads: threads,
    // Warm threads keep their compiled kernels and DeepDream weights between requests.
    idleTimeout: 10 * 60_000,
    concurrentTasksPerWorker: 1,
    niceIncrement: options.niceIncrement ?? 10,
  }), options.onError ?? ((err) => process.emitWarning(`imgflow compute thread failed: ${(err as Error)?.message ?? err}`)));

  return {
    async run(kind, steps, img, { signal, onProgress } = {}) {
      if (signal?.aborted) throw new ComputeAborted(signal.reason);
      const transferList = [];
      let channel: MessageChannel | undefined;
      const task: ComputeTask = { kind, steps: await wireSteps(steps), img: await wire(img), gpu };
      if (signal?.aborted) throw new ComputeAborted(signal.reason);
      if (onProgress) {
        channel = new MessageChannel();
        channel.port1.on('message', (m: { fraction: number; detail: Record<string, unknown> }) => onProgress(m.fraction, m.detail));
        task.progress = channel.port2;
        transferList.push(channel.port2);
      }
      running++;
      try {
        const reply = await piscina().run(task, { transferList, signal }) as ComputeReply;
        completed++;
        if (!reply.ok) throw rebuild(reply.error);
        return fromWire(reply.img);
      } catch (err) {
        if (signal?.aborted) throw new ComputeAborted(signal.reason);
        throw err;
      } finally {
        running--;
        channel?.port1.close();
      }
    },
    stats() {
      // `running` counts tasks handed to piscina, including those waiting for a thread.
      return { threads, running, queued: pool?.queueSize ?? 0, completed };
    },
    async close() {
      await pool?.destroy();
      pool = undefined;
    },
  };
}
