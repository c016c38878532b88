/**
 * What crosses the thread boundary: operations by name (the worker has its own registry),
 * parameters already coerced and alias-mapped, and raw pixels. Errors come back as plain
 * fields because structured clone drops an Error's own properties (code, statusCode).
 */
import type { EngineReport, Params, RawImage } from '../../operations/define.ts';
import type { MessagePort } from 'node:worker_threads';
import type { GpuMode } from '../../operations/kernels/backend.ts';

/** Raw pixels as structured clone carries them (a Buffer arrives as a Uint8Array). */
export interface WirePixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: RawImage['channels'];
}

export interface WireStep {
  op: string;
  params: Params;
  aux: Record<string, WirePixels>;
}

export interface ComputeTask {
  /** kernel: a fused chain of kernel steps; pixel/process: one step. */
  kind: 'kernel' | 'pixel' | 'process';
  steps: WireStep[];
  img: WirePixels;
  /** The kernel backend this process was configured with; each thread configures its own. */
  gpu: GpuMode;
  /** Receives `{ fraction, detail }` messages from a process operation. */
  progress?: MessagePort;
  /**
   * Cooperative cancellation (operations marked `cooperative`), two Int32s in shared memory:
   * [CANCEL] the pool sets to 1 when the caller gives up (the operation checks it between native
   * calls and throws; its thread is never terminated under it), [STARTED] the thread sets to 1
   * before it looks at [CANCEL] the first time (a task not started yet is dropped from the queue).
   */
  cancel?: Int32Array;
}

export const CANCEL = 0;
export const STARTED = 1;

export interface WireError {
  message: string;
  name?: string;
  code?: string;
  statusCode?: number;
  details?: Record<string, unknown>;
}

/** `engine`: the operation's OperationDef.engine() after the task (what it ran on, any fallback). */
export type ComputeReply = ({ ok: true; img: WirePixels } | { ok: false; error: WireError }) & { engine?: EngineReport };

/** Pixels off the wire as a RawImage: a Buffer over the same memory (shared or moved), no copy. */
export function fromWire(p: WirePixels): RawImage {
  return { data: Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength), width: p.width, height: p.height, channels: p.channels };
}
