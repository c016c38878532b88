/**
 * Where one DeepDream gradient's time goes on the cpu backend (issue 19): every backend call of
 * a forward + backward pass timed by kind, at the three octave sizes of the 512 px schedule.
 *   node --import tsx bench/deepdream-profile.ts [--layer mixed3] [--sizes 261,366,512] [--repeat 3]
 * tfjs-wasm computes synchronously inside each call, so a call's wall time is its compute time
 * (on a loaded machine it also holds time slices lost to other processes: compare the shares,
 * and the process CPU time printed beside the wall time).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createTfjsBackend, loadNet, meanSquareObjective, objectiveGradient, subnet, forwardMacs, type ConvSpec, type TensorBackend, type DreamLayer } from '../operations/deepdream/index.ts';
import { noiseInput } from '../spec/deepdream/helpers.ts';

const { values: a } = parseArgs({ options: { layer: { type: 'string', default: 'mixed3' }, sizes: { type: 'string', default: '261,366,512' }, repeat: { type: 'string', default: '3' } } });
const nodes = subnet(loadNet(), a.layer as DreamLayer);
const inner = await createTfjsBackend();

const totals = new Map<string, { ms: number; calls: number }>();
const convKind = (c: ConvSpec): string => `${c.kh}x${c.kw}${c.stride > 1 ? `/${c.stride}` : ''}`;
/** The backend with every call timed under a label that says what it computed. */
function timed(b: TensorBackend<any>): TensorBackend<any> {
  const wrap = (label: (...args: any[]) => string, fn: (...args: any[]) => Promise<any>) => async (...args: any[]) => {
    const t = performance.now();
    const r = await fn(...args);
    const key = label(...args);
    const e = totals.get(key) ?? { ms: 0, calls: 0 };
    e.ms += performance.now() - t;
    e.calls++;
    totals.set(key, e);
    return r;
  };
  return {
    ...b,
    upload: wrap(() => 'upload', b.upload),
    read: wrap(() => 'read', b.read),
    conv2d: wrap((_x, c: ConvSpec) => `fwd conv ${convKind(c)}`, b.conv2d),
    conv2dBackwardInput: wrap((_d, c: ConvSpec) => `bwd conv ${convKind(c)}`, b.conv2dBackwardInput),
    reluBackward: wrap(() => 'bwd relu', b.reluBackward),
    maxPool: wrap(() => 'fwd maxpool', b.maxPool),
    maxPoolBackward: wrap(() => 'bwd maxpool', b.maxPoolBackward),
    avgPool: wrap(() => 'fwd avgpool', b.avgPool),
    avgPoolBackward: wrap(() => 'bwd avgpool', b.avgPoolBackward),
    concat: wrap(() => 'fwd concat', b.concat),
    sliceChannels: wrap(() => 'bwd concat (slice)', b.sliceChannels),
    add: wrap(() => 'bwd add (fan-in)', b.add),
    resize: wrap(() => 'resize', b.resize),
    dispose: b.dispose,
  } as TensorBackend<any>;
}
const backend = timed(inner);

console.log(`${inner.description}; load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
for (const s of a.sizes!.split(',').map(Number)) {
  const x = noiseInput(s, s);
  await objectiveGradient(inner, nodes, x, s, s, meanSquareObjective()); // warm: weights uploaded, heap grown
  totals.clear();
  const n = Number(a.repeat);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await objectiveGradient(backend, nodes, x, s, s, meanSquareObjective());
  const wall = (performance.now() - t0) / n;
  const c = process.cpuUsage(cpu);
  const inOps = [...totals.values()].reduce((p, e) => p + e.ms, 0) / n;
  console.log(`\n${s}x${s}: ${wall.toFixed(0)} ms per gradient (process CPU ${((c.user + c.system) / 1000 / n).toFixed(0)} ms), ${(2 * forwardMacs(nodes, s, s) / 1e9).toFixed(2)} GMAC, in backend calls ${inOps.toFixed(0)} ms, outside (JS glue, objective) ${(wall - inOps).toFixed(0)} ms`);
  for (const [k, e] of [...totals.entries()].sort((p, q) => q[1].ms - p[1].ms)) {
    console.log(`  ${k.padEnd(22)} ${(e.ms / n).toFixed(1).padStart(7)} ms  ${((100 * e.ms) / n / wall).toFixed(1).padStart(5)}%  ${String(e.calls / n).padStart(4)} calls`);
  }
}
process.exit(0);
