/**
 * Runs in a piscina worker thread: the CPU-heavy JavaScript of a graph (gpu.js kernels in CPU
 * mode, plain-JS pixel operations, DeepDream's tensor math) away from the event loop that
 * serves requests. A time limit or a cancellation terminates the thread mid-work, except for
 * operations marked `cooperative`: those see a shared flag (task.cancel) and stop themselves.
 */
import * as workerThreads from 'node:worker_threads';
import { Piscina } from 'piscina';
import { operations } from '../../operations/index.ts';
import type { OperationDef, RawImage } from '../../operations/define.ts';
import { CANCEL, fromWire, STARTED, type ComputeReply, type ComputeTask, type WirePixels } from './task.ts';

const byName = new Map<string, OperationDef>(operations.map((op) => [op.name, op]));
let gpuReady: Promise<unknown> | undefined;


function opNamed(name: string): OperationDef {
  const op = byName.get(name);
  if (!op) throw new Error(`internal: operation ${name} is not in the worker's catalogue`);
  return op;
}

async function run(task: ComputeTask): Promise<RawImage> {
  const img = fromWire(task.img);
  const aux = (step: ComputeTask['steps'][number]) => {
    const out: Record<string, RawImage> = {};
    for (const [port, p] of Object.entries(step.aux)) out[port] = fromWire(p);
    return out;
  };
  if (task.kind === 'kernel') {
    const kernels = await import('../../operations/kernels/index.ts');
    gpuReady ??= kernels.configureGpu(task.gpu);
    await gpuReady;
    return kernels.runKernelChain(task.steps.map((s) => ({ op: opNamed(s.op), params: s.params, aux: aux(s) })), img);
  }
  const [step] = task.steps;
  const op = opNamed(step.op);
  if (task.kind === 'pixel') return op.pixel!(img, step.params, aux(step));
  const progress = (fraction: number, detail: Record<string, unknown> = {}) => task.progress?.postMessage({ fraction, detail });
  const flag = task.cancel;
  // Started, then cancelled? In this order (both sequentially consistent), a pool that saw
  // STARTED unset may drop or terminate the task only before it can reach a native call.
  if (flag) Atomics.store(flag, STARTED, 1);
  if (flag && Atomics.load(flag, CANCEL) !== 0) throw Object.assign(new Error('compute task cancelled before it started'), { name: 'AbortError' });
  const cancelled = flag ? () => Atomics.load(flag, CANCEL) !== 0 : undefined;
  return op.process!(img, step.params, aux(step), { progress, cancelled });
}

// Node >= 21 (absent on Node 20, which copies untransferable memory instead of throwing).
const isMarkedAsUntransferable = (workerThreads as { isMarkedAsUntransferable?: (object: unknown) => boolean }).isMarkedAsUntransferable;

/** A reply whose pixel buffer is moved, not copied, back to the main thread. */
function moving(reply: ComputeReply, buffer: ArrayBuffer): unknown {
  return Piscina.move({ [Piscina.transferableSymbol]: [buffer], [Piscina.valueSymbol]: reply } as never);
}

/** The operation's engine after a process task, for the pool's stats (structured-clone safe). */
function engineOf(task: ComputeTask): ComputeReply['engine'] {
  if (task.kind !== 'process') return undefined;
  const report = byName.get(task.steps[0]?.op)?.engine?.();
  return report ? structuredClone(report) : undefined;
}

export default async function compute(task: ComputeTask): Promise<unknown> {
  try {
    const out = await run(task);
    const data = out.data;
    // Only a buffer that owns its whole ArrayBuffer can be moved; a slice of Node's pool is copied,
    // and so is memory Node marks untransferable (sharp's output buffers): since Node 21 moving
    // one throws a DataCloneError where Node 20 copied it silently.
    const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && !isMarkedAsUntransferable?.(data.buffer);
    const pixels = whole ? new Uint8Array(data.buffer) : new Uint8Array(data);
    const reply: ComputeReply = { ok: true, img: { data: pixels, width: out.width, height: out.height, channels: out.channels }, engine: engineOf(task) };
    return moving(reply, pixels.buffer as ArrayBuffer);
  } catch (err) {
    const e = err as { message?: string; name?: string; code?: unknown; statusCode?: unknown; details?: unknown };
    return {
      ok: false,
      engine: engineOf(task),
      error: {
        message: e?.message ?? String(err),
        name: e?.name,
        code: typeof e?.code === 'string' ? e.code : undefined,
        statusCode: typeof e?.statusCode === 'number' ? e.statusCode : undefined,
        details: e?.details && typeof e.details === 'object' ? structuredClone(e.details as Record<string, unknown>) : undefined,
      },
    };
  } finally {
    task.progress?.close();
  }
}
