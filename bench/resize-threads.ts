/**
 * Where the server's extra CPU per resize request goes, by thread: the same load as
 * bench/resize-cpu.ts (GET /graph/resize.webp?width=400 on the 2000x1500 JPEG, 2 in flight,
 * a new input URL each time) against bare sharp, in alternating rounds, with each process's
 * CPU split by thread name (/proc/<pid>/task/<tid>/stat): `main` (the event loop: HTTP server,
 * input fetch, routing, logging, sharp's JS), `node` (libuv's pool, where sharp runs a
 * pipeline, and V8's helper threads), `libvips worker`.
 *
 *   node --import tsx bench/resize-threads.ts [rounds=6] [per-round=100]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { ensureImage, procCpuMs, resizeLoad, startBare, startOrigin, startServer } from './lib/resize-rig.ts';

const rounds = Number(process.argv[2] ?? 6);
const perRound = Number(process.argv[3] ?? 100);

type Split = Record<string, number>;

/** CPU ms by thread group and user/system, e.g. `main user`, `libvips worker system`. */
function threads(pid: number): Split {
  const out: Split = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let cpu: { user: number; system: number };
    let name: string;
    try {
      cpu = procCpuMs(`/proc/${pid}/task/${tid}/stat`);
      name = tid === String(pid) ? 'main' : threadName(pid, tid);
    } catch {
      continue; // the thread ended meanwhile
    }
    out[`${name} user`] = (out[`${name} user`] ?? 0) + cpu.user;
    out[`${name} system`] = (out[`${name} system`] ?? 0) + cpu.system;
  }
  return out;
}

/** A thread's name without its number (`libvips worker`, `node`). */
function threadName(pid: number, tid: string): string {
  return readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim().replace(/\d+$/, '').trim();
}

function addDiff(acc: Split, before: Split, after: Split): void {
  for (const [k, v] of Object.entries(after)) acc[k] = (acc[k] ?? 0) + v - (before[k] ?? 0);
}

const origin = await startOrigin(await ensureImage());
const server = await startServer();
const bare = startBare(2);
try {
  const load = resizeLoad(server.base, origin.port, 2);
  await load(30);
  await bare.run(30);
  const serverCpu: Split = {}, bareCpu: Split = {};
  for (let r = 0; r < rounds; r++) {
    const s0 = threads(server.process.pid!);
    await load(perRound);
    addDiff(serverCpu, s0, threads(server.process.pid!));
    const b0 = threads(bare.process.pid!);
    await bare.run(perRound);
    addDiff(bareCpu, b0, threads(bare.process.pid!));
  }
  const n = rounds * perRound;
  const total = (s: Split) => Object.values(s).reduce((a, b) => a + b, 0) / n;
  console.log(`${n} requests / ops in ${rounds} alternating rounds; ms CPU per request`);
  console.log('| thread | server | bare sharp | server - bare |\n|---|---:|---:|---:|');
  for (const k of [...new Set([...Object.keys(serverCpu), ...Object.keys(bareCpu)])].sort()) {
    const s = (serverCpu[k] ?? 0) / n, b = (bareCpu[k] ?? 0) / n;
    console.log(`| ${k} | ${s.toFixed(2)} | ${b.toFixed(2)} | ${(s - b).toFixed(2)} |`);
  }
  console.log(`| total | ${total(serverCpu).toFixed(2)} | ${total(bareCpu).toFixed(2)} | ratio ${(total(serverCpu) / total(bareCpu)).toFixed(3)}x |`);
} finally {
  server.process.kill();
  bare.process.kill();
  origin.close();
}
