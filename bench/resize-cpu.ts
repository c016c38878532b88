/**
 * Server CPU per request for GET /graph/resize.webp?width=400 on a 2000x1500 JPEG, against
 * bare sharp doing the same resize + encode in-process. Each side runs in its own process and
 * is charged its own CPU time (utime + stime from /proc, all threads), so the load generator
 * and the origin are never counted.
 *
 *   node --import tsx bench/resize-cpu.ts [requests=300] [concurrency=2] [warmup=2000]
 *
 * The first `warmup` requests are not measured: V8 keeps compiling the request path for the
 * first few thousand requests (bench/gc-windows.ts shows the TurboFan compile time per window),
 * a one-time cost a long-running server amortises. Pass 20 for the figure with the JIT still
 * warming up.
 *
 * Every request uses a distinct input URL (?v=N), so the result cache never answers: this
 * measures processing, not cache hits (bench/cache-hit for those).
 */
import { cpus } from 'node:os';
import { ensureImage, procCpuMs, resizeLoad, startBare, startOrigin, startServer, type BenchServer } from './lib/resize-rig.ts';

const requests = Number(process.argv[2] ?? 300);
const concurrency = Number(process.argv[3] ?? 2);
const warmup = Number(process.argv[4] ?? 2000);

const cpuMs = (pid: number) => {
  const { user, system } = procCpuMs(`/proc/${pid}/stat`);
  return user + system;
};

const origin = await startOrigin(await ensureImage());
let server: BenchServer | undefined;
let bare: ReturnType<typeof startBare> | undefined;
// Everything started is stopped in `finally`, also when a start fails (a server that did not
// come up is killed by startServer itself); a leftover process would keep this one alive.
try {
  // --without-start-flags: without npm start's V8 flags (the "no flag" rows in bench/README.md).
  server = await startServer({ withoutStartFlags: process.argv.includes('--without-start-flags') });
  bare = startBare(concurrency);
  const load = resizeLoad(server.base, origin.port, concurrency);
  await load(warmup); // JIT, sharp, keep-alive
  await bare.run(20);

  // Alternate blocks of server requests and bare operations: this VM drifts between faster
  // and slower phases by up to 10%, and alternating puts both sides in the same phases.
  const rounds = 6, block = Math.ceil(requests / rounds);
  let serverTotal = 0, bareTotal = 0, bytes = 0;
  const ratios: number[] = [];
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    const c0 = cpuMs(server.process.pid!);
    bytes = await load(block);
    const s = cpuMs(server.process.pid!) - c0;
    const b0 = cpuMs(bare.process.pid!);
    await bare.run(block);
    const b = cpuMs(bare.process.pid!) - b0;
    serverTotal += s;
    bareTotal += b;
    ratios.push(s / b);
  }
  const wall = performance.now() - t0;
  const n = rounds * block;
  ratios.sort((a, b) => a - b);
  console.log(`machine: ${cpus().length} x ${cpus()[0].model}; node ${process.version}; ${n} requests in ${rounds} alternating rounds after ${warmup} warm-up requests, concurrency ${concurrency}, output ${bytes} B`);
  console.log(`imgflow server: ${(serverTotal / n).toFixed(2)} ms CPU/request`);
  console.log(`bare sharp:     ${(bareTotal / n).toFixed(2)} ms CPU/op`);
  console.log(`per-round ratios: ${ratios.map((x) => x.toFixed(3)).join(' ')} (median ${((ratios[2] + ratios[3]) / 2).toFixed(3)})`);
  console.log(`ratio:          ${(serverTotal / bareTotal).toFixed(3)}x (target <= 1.10x; IPX measured 1.17x); ${(wall / 1000).toFixed(0)} s`);
} finally {
  bare?.process.kill();
  server?.process.kill();
  origin.close();
}
