/**
 * Starts tfjs-backend-wasm's threaded build (XNNPACK on a pthread pool) under Node, which
 * tfjs 4.22 does not do by itself:
 * - it reports no thread support under Node, so WASM_HAS_MULTITHREAD_SUPPORT is set here;
 * - Emscripten's Node glue starts each pthread as `new Worker(url)`, and tfjs hands it a
 *   blob: URL (browser style) that worker_threads cannot load: the worker source, which
 *   supports Node, is run from a string instead, and the main script each pthread loads is
 *   the package's file instead of a Blob;
 * - the XNNPACK pool is sized once, when the module starts, to half of
 *   emscripten_num_logical_cores(), which is os.cpus().length under Node (setThreadsCount is
 *   ignored), so os.cpus() reports twice the wanted count while the module starts.
 * Everything is put back when the backend is up. Results are the same as single-threaded:
 * XNNPACK splits each op's outputs between threads, not its sums.
 */
import os from 'node:os';
import { createRequire } from 'node:module';
import { Worker as NodeWorker, type WorkerOptions } from 'node:worker_threads';

const require = createRequire(import.meta.url);

/** The wasm binaries and Emscripten glue shipped in the package. */
function wasmOut(): string {
  return require.resolve('@tensorflow/tfjs-backend-wasm/package.json').replace(/package\.json$/, 'wasm-out/');
}

/**
 * Runs `start` (which must start the tfjs wasm backend) with the threaded build set up for
 * `threads` XNNPACK threads; restores the globals it touched whatever happens.
 */
export async function withWasmThreads<T>(tf: typeof import('@tensorflow/tfjs-core'), threads: number, start: () => Promise<T>): Promise<T> {
  const dir = wasmOut();
  // tfjs escapes newlines the same way before making its Blob of this source.
  const workerSource = (require(`${dir}tfjs-backend-wasm-threaded-simd.worker.js`).wasmWorkerContents as string).replace(/\n/g, '\\n');
  const mainScript = `${dir}tfjs-backend-wasm-threaded-simd.js`;

  class PthreadWorker extends NodeWorker {
    constructor(_url: unknown, options?: WorkerOptions) {
      super(workerSource, { ...options, eval: true });
      this.unref();
    }
    /**
     * The glue refs a worker while it runs a pthread; XNNPACK's pool threads run (wait) for
     * the life of the process and would keep a finished CLI run from exiting. The calling
     * thread blocks in wasm while they compute, so nothing is cut short.
     */
    override ref(): void {}
    override postMessage(msg: any, transfer?: readonly any[]): void {
      // The pthread's 'load' message names the script that defines the module factory.
      if (msg?.cmd === 'load' && typeof msg.urlOrBlob !== 'string') msg = { ...msg, urlOrBlob: mainScript };
      super.postMessage(msg, transfer as any);
    }
  }

  const workerBefore = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  const cpus = os.cpus;
  // The glue assigns global.Worker = worker_threads.Worker as it starts: keep ours in place.
  Object.defineProperty(globalThis, 'Worker', { configurable: true, get: () => PthreadWorker, set: () => {} });
  os.cpus = () => {
    const one = cpus()[0];
    return Array.from({ length: 2 * threads }, () => one);
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  try {
    return await start();
  } finally {
    os.cpus = cpus;
    if (workerBefore) Object.defineProperty(globalThis, 'Worker', workerBefore);
    else delete (globalThis as { Worker?: unknown }).Worker;
  }
}
