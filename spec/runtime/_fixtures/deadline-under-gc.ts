/**
 * Child process of spec/runtime/deadline-gc.spec.ts (run with --expose-gc): a compute stage
 * that takes seconds, a 1 s time limit, a caller's signal (as the HTTP server passes one), and
 * a garbage collection every 20 ms. Prints what the evaluation ended with and when.
 */
import sharp from 'sharp';
import { bindParameters, compileGraph, evaluatePlan } from '../../../runtime/index.ts';
import { createComputePool } from '../../../runtime/offload/compute-pool.ts';
import { registry, singleNodeGraph } from '../../_helpers/graphs.ts';
import { noiseRaw } from '../../_helpers/images.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const pool = createComputePool({ threads: 1, gpu: 'cpu' });
const input = await sharp(noiseRaw(2000, 1500), { raw: { width: 2000, height: 1500, channels: 3 } }).png().toBuffer();
// Off the axes a long motion blur is seconds of JavaScript on the thread: at 2000x1500 and
// length 256 well over 10 s, so a lost limit cannot pass for a kept one.
const plan = bindParameters(compileGraph('slow', singleNodeGraph('imgflow/motion-blur-linear', { length: 256, angle: 30 }), registry), {});
const client = new AbortController();
const collecting = setInterval(gc, 20);
const t0 = performance.now();
let code = 'none';
try {
  await evaluatePlan(plan, registry, { input, format: 'png', compute: pool, timeoutMs: 1000, signal: client.signal });
} catch (err) {
  code = String((err as { code?: string }).code ?? (err as Error).message);
}
const ms = performance.now() - t0;
clearInterval(collecting);
await pool.close();
console.log(JSON.stringify({ code, ms }));
