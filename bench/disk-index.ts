/**
 * What a memory hit pays the disk store: one `touch` of its index entry. Compared in one run:
 * the index (a linked list beside a Map) and recency kept as a Map's insertion order (delete,
 * then set: the index before 2026-12-03), for one hot key and for 50 among n entries.
 *
 *   node --import tsx bench/disk-index.ts [--touches 200000]
 */
import { parseArgs } from 'node:util';
import { createDiskIndex } from '../server/cache/disk-index.ts';

const { values } = parseArgs({ options: { touches: { type: 'string', default: '200000' } } });
const touches = Number(values.touches);

function mapOrder(n: number, hot: number): number {
  const m = new Map<string, { size: number }>();
  for (let i = 0; i < n; i++) m.set(`k/${i}`, { size: 1 });
  const t0 = process.hrtime.bigint();
  const limit = t0 + 5_000_000_000n;
  let i = 0;
  // At 200,000 entries one hot key costs a great deal per touch: at most 5 s of them.
  for (; i < touches && (i % 1000 !== 0 || process.hrtime.bigint() < limit); i++) {
    const k = `k/${i % hot}`;
    const e = m.get(k);
    if (e) {
      m.delete(k);
      m.set(k, e);
    }
  }
  return Number(process.hrtime.bigint() - t0) / i;
}

function index(n: number, hot: number): number {
  const x = createDiskIndex();
  for (let i = 0; i < n; i++) x.record(`k/${i}`, { size: 1, writtenAt: i, seq: i });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < touches; i++) x.touch(`k/${i % hot}`);
  return Number(process.hrtime.bigint() - t0) / touches;
}

console.log(`${new Date().toISOString()}; node ${process.version}; ${touches} touches per cell; ns per touch`);
console.log('| entries | hot keys | Map order (before) | index (linked list) |');
console.log('|---:|---:|---:|---:|');
for (const n of [2_000, 20_000, 200_000]) {
  for (const hot of [1, 50]) {
    const before = mapOrder(n, hot), after = index(n, hot);
    console.log(`| ${n} | ${hot} | ${before.toFixed(0)} | ${after.toFixed(0)} |`);
  }
}
