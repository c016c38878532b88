/**
 * Does a hit cost more once the process has served misses? bench:compare measures hits after
 * every miss workload; this measures the same hot hit (the memory tier, resize 400 px webp of
 * the 2000x1500 JPEG) on a fresh imgflow, then after N misses, for each variant in one run.
 *
 *   node --import tsx bench/hit-aging.ts [--misses 2000] [--seconds 5] [--connections 64]
 *     [--variant name:NAME=value,NAME=value ...]   (default: default, and no-disk:IMGFLOW_CACHE_STORE=none)
 *     [--profile]   (main-thread samples per hit by category, from node --cpu-prof)
 *     [--mixed]     (then 100 blur, 40 AVIF and 60 nashville misses, as bench:compare runs before its hits, and a third measure)
 *
 * imgflow runs from dist/ as npm start runs it (bench/compare/peers.ts); `npm run build` first.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sendMisses } from './compare/misses.ts';
import { root, startImgflow, startOrigin, stopAll } from './compare/peers.ts';
import { treeCpuMs, treeRssBytes, waitSettled } from './compare/proc.ts';
import { runWrk } from './compare/wrk.ts';
import { attribute } from './lib/cpu-profile.ts';
import { ensureImage } from './lib/resize-rig.ts';

const { values } = parseArgs({
  options: {
    misses: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '64' },
    variant: { type: 'string', multiple: true, default: ['default', 'no-disk:IMGFLOW_CACHE_STORE=none'] },
    profile: { type: 'boolean', default: false },
    mixed: { type: 'boolean', default: false },
  },
});

const variants = values.variant!.map((v) => {
  const [name, settings = ''] = v.split(/:(.*)/s);
  return { name, env: Object.fromEntries(settings.split(',').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])) };
});
const scratch = mkdtempSync(join(tmpdir(), 'imgflow-hit-aging-'));
await ensureImage();
const origin = await startOrigin(`${root}bench/out/test.jpg`);
const e = encodeURIComponent;
const hitPath = `/graph/resize.webp?width=400&input=${e(`${origin.base}/test.jpg?v=`)}hit`;
const us = () => Number(process.hrtime.bigint() / 1000n);

console.log(`${new Date().toISOString()}; load ${readFileSync('/proc/loadavg', 'utf8').trim()}; wrk -t1 -c${values.connections} -d${values.seconds}s on one memory-tier hit; ${values.misses} misses (node fetch, 8 at a time) between`);
console.log('| variant | when | req/s | server CPU µs/hit | RSS MB |' + (values.profile ? ' main thread µs/hit: busy, socket write, GC |' : ''));
console.log('|---|---|---|---|---|' + (values.profile ? '---|' : ''));
try {
  for (const v of variants) {
    const profDir = join(scratch, `prof-${v.name}`);
    const s = await startImgflow(scratch, v.env, { name: v.name, nodeFlags: values.profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [] });
    if (!s.ok) throw new Error(`${v.name} did not start: ${s.reason}`);
    const { base, pid } = s.peer;
    for (let i = 0; i < 3; i++) await (await fetch(base + hitPath)).arrayBuffer();
    await runWrk({ url: base + hitPath, connections: Number(values.connections), seconds: 2 }); // JIT warm-up
    const runs: { when: string; rps: number; cpuUs: number; rss: number; window: [number, number]; requests: number }[] = [];
    const measure = async (when: string) => {
      const c0 = treeCpuMs(pid);
      const t0 = us();
      const r = await runWrk({ url: base + hitPath, connections: Number(values.connections), seconds: Number(values.seconds) });
      await waitSettled(pid);
      runs.push({ when, rps: r.rps, cpuUs: ((treeCpuMs(pid) - c0) * 1000) / r.requests, rss: treeRssBytes(pid) / 2 ** 20, window: [t0, us()], requests: r.requests });
    };
    await measure('fresh');
    const sent = await sendMisses((i) => `${base}/graph/resize.webp?width=400&input=${e(`${origin.base}/test.jpg?v=${v.name}-${i}`)}`, Number(values.misses), 8);
    if (sent.failed) throw new Error(`${sent.failed} misses failed: ${sent.firstError}`);
    await measure(`after ${values.misses} misses`);
    if (values.mixed) {
      const more: [string, string, number][] = [['gaussianblur.jpg', 'std-dev-x=4&', 100], ['resize.avif', 'width=400&', 40], ['nashville.jpg', '', 60]];
      for (const [graph, query, n] of more) {
        const done = await sendMisses((i) => `${base}/graph/${graph}?${query}input=${e(`${origin.base}/test.jpg?v=${v.name}-${graph}-${i}`)}`, n, 8);
        if (done.failed) throw new Error(`${done.failed} ${graph} misses failed: ${done.firstError}`);
      }
      await measure('then 100 blur, 40 AVIF, 60 nashville');
    }
    s.peer.stop();
    await new Promise((r) => setTimeout(r, 2000)); // the profile is written at exit
    for (const r of runs) {
      let prof = '';
      if (values.profile) {
        const file = join(profDir, readdirSync(profDir)[0]);
        const a = attribute(file, [r.window]);
        const per = (ms: number) => ((ms * 1000) / r.requests).toFixed(1);
        const write = a.topSelf.find(([f]) => f.startsWith('writev '))?.[1] ?? 0;
        prof = ` ${per(a.busyMs)}, ${per(write)}, ${per(a.byCategory.get('GC') ?? 0)} |`;
      }
      console.log(`| ${v.name} ${JSON.stringify(v.env)} | ${r.when} | ${r.rps.toFixed(0)} | ${r.cpuUs.toFixed(1)} | ${r.rss.toFixed(0)} |${prof}`);
    }
  }
} finally {
  stopAll();
  origin.stop();
  rmSync(scratch, { recursive: true, force: true });
}
