/**
 * What V8 does over a long run of resize requests, window by window: the server (as `npm
 * start` starts it, plus --trace-gc --trace-opt, plus any node flags given) gets `windows`
 * windows of `per-window` requests (2 in flight, new input URL each), and for each window this
 * prints the server's CPU per request, scavenges, mark-compacts, GC pause ms and TurboFan
 * compile ms, read from V8's trace output.
 *
 *   node --import tsx bench/gc-windows.ts [windows=8] [per-window=300] [--without-start-flags] [node flags...]
 *   e.g. node --import tsx bench/gc-windows.ts 8 300 --without-start-flags
 *
 * Shows the two things behind bench/README.md's resize section: the JIT still compiling the
 * request path for the first few thousand requests, and the state (without
 * --initial-old-space-size) where a mark-compact runs every few requests.
 */
import { ensureImage, procCpuMs, resizeLoad, startOrigin, startServer } from './lib/resize-rig.ts';

const windows = Number(process.argv[2] ?? 8);
const perWindow = Number(process.argv[3] ?? 300);
const withoutStartFlags = process.argv.includes('--without-start-flags');
const flags = process.argv.slice(4).filter((a) => a !== '--without-start-flags');

const origin = await startOrigin(await ensureImage());
const server = await startServer({ extraFlags: ['--trace-gc', '--trace-opt', ...flags], withoutStartFlags, stdout: 'pipe' });
let trace = '';
server.process.stdout!.setEncoding('utf8').on('data', (chunk: string) => { trace += chunk; });
try {
  const load = resizeLoad(server.base, origin.port, 2);
  const pid = server.process.pid!;
  console.log(`server: ${withoutStartFlags ? 'without npm start\'s V8 flags' : 'npm start\'s V8 flags'}${flags.length ? ` + ${flags.join(' ')}` : ''}; ${perWindow} requests per window`);
  console.log('| window | server ms CPU/request | scavenges | mark-compacts | GC pause ms | TurboFan compile ms |\n|---:|---:|---:|---:|---:|---:|');
  for (let w = 1; w <= windows; w++) {
    trace = '';
    const c0 = procCpuMs(`/proc/${pid}/stat`);
    await load(perWindow);
    const c1 = procCpuMs(`/proc/${pid}/stat`);
    await new Promise((r) => setTimeout(r, 50)); // let the trace lines of the window arrive
    const lines = trace.split('\n');
    const gcMs = lines.reduce((sum, l) => sum + Number(/MB, ([\d.]+) \/ [\d.]+ ms/.exec(l)?.[1] ?? 0), 0);
    // "[completed compiling ... (target TURBOFAN) - took 0.015, 27.189, 0.202 ms]": the middle is the compile
    const compileMs = lines.reduce((sum, l) => sum + Number(/completed compiling .* took [\d.]+, ([\d.]+),/.exec(l)?.[1] ?? 0), 0);
    const cpu = (c1.user + c1.system - c0.user - c0.system) / perWindow;
    console.log(`| ${w} | ${cpu.toFixed(1)} | ${lines.filter((l) => l.includes('Scavenge')).length} | ${lines.filter((l) => l.includes('Mark-Compact')).length} | ${gcMs.toFixed(0)} | ${compileMs.toFixed(0)} |`);
  }
} finally {
  server.process.kill();
  origin.close();
}
