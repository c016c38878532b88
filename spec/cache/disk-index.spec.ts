/**
 * The disk store's index against a plain array model of least-recently-used order: any sequence
 * of writes, uses, removals and evictions leaves the same keys in the same order with the same
 * byte total; a scan found at start goes before everything recorded since.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { createDiskIndex, type DiskIndex } from '../../server/cache/disk-index.ts';

type Op =
  | { op: 'record'; key: string; size: number }
  | { op: 'touch'; key: string }
  | { op: 'remove'; key: string }
  | { op: 'removePrefix'; prefix: string }
  | { op: 'evict'; maxBytes: number; busy: string[] }
  | { op: 'expire'; cutoff: number; busy: string[] };

const key = fc.constantFrom('a/1', 'a/2', 'a/3', 'b/1', 'b/2', 'c/1');
const ops = fc.array(fc.oneof(
  fc.record({ op: fc.constant('record' as const), key, size: fc.integer({ min: 1, max: 50 }) }),
  fc.record({ op: fc.constant('touch' as const), key }),
  fc.record({ op: fc.constant('touch' as const), key }),
  fc.record({ op: fc.constant('remove' as const), key }),
  fc.record({ op: fc.constant('removePrefix' as const), prefix: fc.constantFrom('a/', 'b/', 'c/1') }),
  fc.record({ op: fc.constant('evict' as const), maxBytes: fc.integer({ min: 0, max: 150 }), busy: fc.subarray(['a/1', 'b/1']) }),
  fc.record({ op: fc.constant('expire' as const), cutoff: fc.integer({ min: 0, max: 40 }), busy: fc.subarray(['a/2', 'c/1']) }),
), { maxLength: 60 });

interface ModelEntry { key: string; size: number; writtenAt: number }

/** Every key, least recently used first (empties the index). */
const order = (index: DiskIndex) => index.takeExpired(Number.POSITIVE_INFINITY, () => false);

describe('disk index', () => {
  it('keeps least-recently-used order, evictions and the byte total as an array model does', () => {
    fc.assert(fc.property(ops, (seq: Op[]) => {
      const index = createDiskIndex();
      let model: ModelEntry[] = [];
      const bytes = () => model.reduce((a, e) => a + e.size, 0);
      seq.forEach((o, t) => {
        switch (o.op) {
          case 'record':
            index.record(o.key, { size: o.size, writtenAt: t, seq: t });
            model = [...model.filter((e) => e.key !== o.key), { key: o.key, size: o.size, writtenAt: t }];
            break;
          case 'touch': {
            index.touch(o.key);
            const e = model.find((x) => x.key === o.key);
            if (e) model = [...model.filter((x) => x !== e), e];
            break;
          }
          case 'remove':
            expect(index.remove(o.key)).to.equal(model.some((e) => e.key === o.key));
            model = model.filter((e) => e.key !== o.key);
            break;
          case 'removePrefix':
            index.removePrefix(o.prefix);
            model = model.filter((e) => !e.key.startsWith(o.prefix));
            break;
          case 'evict': {
            const taken: string[] = [];
            for (const e of [...model]) {
              if (bytes() <= o.maxBytes) break;
              if (o.busy.includes(e.key)) continue;
              model = model.filter((x) => x !== e);
              taken.push(e.key);
            }
            expect(index.takeOverBudget(o.maxBytes, (k) => o.busy.includes(k))).to.deep.equal(taken);
            break;
          }
          case 'expire': {
            const taken = model.filter((e) => e.writtenAt < o.cutoff && !o.busy.includes(e.key)).map((e) => e.key);
            model = model.filter((e) => !taken.includes(e.key));
            expect(index.takeExpired(o.cutoff, (k) => o.busy.includes(k))).to.deep.equal(taken);
            break;
          }
        }
        expect([index.entries, index.bytes]).to.deep.equal([model.length, bytes()]);
      });
      expect(order(index)).to.deep.equal(model.map((e) => e.key));
    }), { numRuns: 300 });
  });

  it('puts a scan before what was recorded since, leaving out what was removed or rewritten meanwhile', async () => {
    const index = createDiskIndex();
    index.record('live/1', { size: 5, writtenAt: 100, seq: 1 });
    const scanned = ['old/1', 'old/2', 'gone/1', 'gone/2', 'live/1', 'old/3'].map((k, i) => ({ key: k, size: 10, writtenAt: i, seq: 0 }));
    const seeding = index.seed(scanned, 2); // yields every 2 entries: the edits below land mid-merge
    index.remove('old/2');
    index.removePrefix('gone/');
    index.record('live/2', { size: 7, writtenAt: 101, seq: 2 });
    await seeding;
    expect(index.get('live/1')).to.include({ size: 5, seq: 1 });
    expect([index.entries, index.bytes]).to.deep.equal([4, 10 + 10 + 5 + 7]);
    index.touch('old/1');
    expect(order(index)).to.deep.equal(['old/3', 'live/1', 'live/2', 'old/1']);
  });

  it('moves a hot key among 20,000 without disturbing the others', () => {
    const index = createDiskIndex();
    for (let i = 0; i < 20_000; i++) index.record(`k/${i}`, { size: 1, writtenAt: i, seq: i });
    for (let i = 0; i < 10_000; i++) index.touch('k/0');
    index.touch('k/1');
    const keys = order(index);
    expect(keys.slice(0, 2)).to.deep.equal(['k/2', 'k/3']);
    expect(keys.slice(-2)).to.deep.equal(['k/0', 'k/1']);
    expect(keys).to.have.length(20_000);
  });
});
