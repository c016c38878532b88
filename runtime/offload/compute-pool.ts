/**
 * A pool of worker threads for the CPU-heavy JavaScript stages of a graph (kernels, pixel
 * operations, DeepDream), so one large kernel graph never stalls the event loop that answers
 * every other request. piscina keeps the threads warm between tasks (gpu.js compiles each
 * kernel once per thread) and terminates a thread whose task is aborted: a time limit or a
 * client that left ends the work mid-stage, not after it.
 *
 * Except cooperative tasks (DeepDream): onnxruntime-node aborts the whole process ("terminate
 * called after throwing an instance of 'Napi::Error'") when its thread is terminated, or the
 * pool destroyed, or the process exits, while a session is running or being built. Those tasks
 * get a shared flag instead; aborting sets it, the operation stops between two native calls, and
 * the pool waits for the thread to hand the task back (at most cancelWaitMs).
 */
import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { EngineReport, Params, RawImage } from '../../operations/define.ts';
import type { GpuMode } from '../../operations/kernels/backend.ts';
import { CANCEL, fromWire, STARTED, type ComputeReply, type ComputeTask, type WirePixels, type WireStep } from './task.ts';

export interface ComputeStep {
  op: string;
  params: Params;
  aux: Record<string, RawImage>;
}

export interface ComputeRunOptions {
  /**
   * Aborting terminates the thread running the task (the next task gets a fresh one), or, for a
   * cooperative task, raises its cancel flag and waits for the thread to give the task back.
   */
  signal?: AbortSignal;
  /** The task's operation checks ctx.cancelled() (OperationDef.cooperative): never terminate it. */
  cooperative?: boolean;
  onProgress?: (fraction: number, detail: Record<string, unknown>) => void;
}

export interface ComputePoolStats {
  threads: number;
  running: number;
  queued: number;
  completed: number;
  /** What process operations ran on, by operation (from their last task): DeepDream's engine. */
  engines?: Record<string, EngineReport>;
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
  /**
   * How long an aborted cooperative task, and close(), wait for a thread to hand its task back
   * (default 30 s; a DeepDream step at 512 px takes 0.3-1.5 s). Past it the caller gets its
   * ComputeAborted and a warning, and the thread is left to finish its call rather than
   * terminated (which would abort the process); close() destroys the pool anyway.
   */
  cancelWaitMs?: number;
  /** An operation's engine changed (first task, or a fallback appeared): the server logs it. */
  onEngine?: (op: string, report: EngineReport) => void;
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

/**
 * The log line for an operation's engine: warn when it fell back (DeepDream on tfjs-wasm, about
 * 4x slower, because onnxruntime-node did not load), else info.
 */
export function engineNotice(op: string, report: EngineReport): { level: 'info' | 'warn'; message: string } {
  return report.fallbackReason
    ? { level: 'warn', message: `${op} falls back to ${report.engine}: ${report.fallbackReason}` }
    : { level: 'info', message: `${op} runs on ${report.engine}` };
}

/** The onEngine/onComputeEngine callback every process passes: that line, logged at its level. */
export function logEngine(log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void }): (op: string, report: EngineReport) => void {
  return (op, report) => {
    const notice = engineNotice(op, report);
    log[notice.level]({ op, ...report }, notice.message);
  };
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

/** Resolves when `work` settles or `ms` passed, whichever is first; true when it settled. */
function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  return Promise.race([work.then(() => true, () => true), late]).finally(() => clearTimeout(timer));
}

export function createComputePool(options: ComputePoolOptions = {}): ComputePool {
  const threads = Math.max(1, options.threads ?? availableParallelism());
  const gpu = options.gpu ?? 'auto';
  const cancelWaitMs = options.cancelWaitMs ?? 30_000;
  const warn = options.onError ?? ((err) => process.emitWarning(`imgflow compute thread failed: ${(err as Error)?.message ?? err}`));
  let pool: Piscina | undefined;
  let running = 0;
  let completed = 0;
  /** Cooperative tasks in a thread, with their flags: close() raises them and waits. */
  const cooperative = new Map<Promise<unknown>, Int32Array>();
  const engines: Record<string, EngineReport> = {};
  const noteEngine = (op: string, report: EngineReport | undefined) => {
    if (!report || JSON.stringify(engines[op]) === JSON.stringify(report)) return;
    engines[op] = report;
    options.onEngine?.(op, report);
  };
  // Threads start on the first heavy stage: a server that only resizes never starts one.
  const piscina = () => pool ??= watched(new Piscina({
    filename: new URL('./compute-worker-entry.mjs', import.meta.url).href,
    minThreads: 0,
    maxThreads: threads,
    // Warm threads keep their compiled kernels and DeepDream weights between requests.
    idleTimeout: 10 * 60_000,
    concurrentTasksPerWorker: 1,
    niceIncrement: options.niceIncrement ?? 10,
  }), warn);

  /**
   * A cooperative task: abort raises the flag; the thread stops itself and hands the task back.
   * One still waiting for a thread is dropped from piscina's queue at once (`unstarted`).
   */
  async function runCooperative(op: string, work: Promise<unknown>, flag: Int32Array, unstarted: AbortController, signal: AbortSignal | undefined): Promise<unknown> {
    cooperative.set(work, flag);
    void work.catch(() => {}).finally(() => cooperative.delete(work));
    if (!signal) return work;
    let raised: (() => void) | undefined;
    const aborted = new Promise<void>((resolve) => {
      raised = () => {
        Atomics.store(flag, CANCEL, 1);
        if (Atomics.load(flag, STARTED) === 0) unstarted.abort(signal.reason);
        resolve();
      };
      if (signal.aborted) raised();
      else signal.addEventListener('abort', raised, { once: true });
    });
    try {
      if (await Promise.race([work.then(() => false, () => false), aborted.then(() => true)])) {
        if (!(await settledWithin(work, cancelWaitMs))) {
          warn(new Error(`an aborted ${op} task did not stop within ${cancelWaitMs} ms; its thread is left to finish (terminating it mid native call would abort the process)`));
        }
        throw new ComputeAborted(signal.reason);
      }
      return await work;
    } finally {
      signal.removeEventListener('abort', raised!);
    }
  }

  return {
    async run(kind, steps, img, { signal, onProgress, cooperative: coop } = {}) {
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
      const flag = coop ? new Int32Array(new SharedArrayBuffer(8)) : undefined;
      if (flag) task.cancel = flag;
      const unstarted = new AbortController();
      running++;
      try {
        const reply = (flag
          ? await runCooperative(steps[0]?.op ?? kind, piscina().run(task, { transferList, signal: unstarted.signal }), flag, unstarted, signal)
          : await piscina().run(task, { transferList, signal })) as ComputeReply;
        completed++;
        noteEngine(steps[0]?.op ?? kind, reply.engine);
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
      return { threads, running, queued: pool?.queueSize ?? 0, completed, ...(Object.keys(engines).length > 0 && { engines: { ...engines } }) };
    },
    async close() {
      // Destroying the pool terminates its threads: first let cooperative tasks stop themselves.
      const inFlight = [...cooperative];
      for (const [, flag] of inFlight) Atomics.store(flag, CANCEL, 1);
      if (inFlight.length > 0 && !(await settledWithin(Promise.allSettled(inFlight.map(([w]) => w)), cancelWaitMs))) {
        warn(new Error(`${cooperative.size} cancelled task(s) still running after ${cancelWaitMs} ms; destroying the pool anyway`));
      }
      await pool?.destroy();
      pool = undefined;
    },
  };
}
