import { expect } from 'chai';
import fc from 'fast-check';
import { estimateWorkers, normalQuantile, ScaleDownWindow, type RoleModel } from '../../../server/autoscale/formula.ts';

const guvExample: RoleModel = { processing: 3, deadline: 60, concurrency: 2, percentile: 99, minimum: 0, maximum: 100 };

describe('autoscale formula (guv)', () => {
  it('gives guv\'s worked example: processing 3 s, deadline 60 s, concurrency 2, 100 jobs -> 3 workers', () => {
    const e = estimateWorkers(100, guvExample);
    // stddev defaults to 1.5 s; z(99%) = 2.326; target = 60 - (3 + 3.49) = 53.51 s;
    // ceil(50 batches * 3 s / (53.51 - 3) s) = ceil(2.97) = 3
    expect(e.target).to.be.closeTo(53.511, 0.001);
    expect(e.workers).to.equal(3);
    expect(e.problem).to.equal(undefined);
  });

  it('uses the normal quantile of the percentile', () => {
    expect(normalQuantile(0.99)).to.be.closeTo(2.3263, 1e-4);
    expect(normalQuantile(0.95)).to.be.closeTo(1.6449, 1e-4);
    expect(normalQuantile(0.5)).to.be.closeTo(0, 1e-9);
    expect(normalQuantile(0.001)).to.be.closeTo(-3.0902, 1e-4);
  });

  it('grows with the backlog and the processing time, shrinks with a longer deadline', () => {
    expect(estimateWorkers(200, guvExample).workers).to.equal(6);
    expect(estimateWorkers(100, { ...guvExample, processing: 6 }).workers).to.be.greaterThan(3);
    expect(estimateWorkers(100, { ...guvExample, deadline: 600 }).workers).to.equal(1);
  });

  it('clamps to the minimum and maximum', () => {
    expect(estimateWorkers(0, { ...guvExample, minimum: 1 }).workers).to.equal(1);
    expect(estimateWorkers(0, guvExample).workers).to.equal(0);
    const big = estimateWorkers(10_000, { ...guvExample, maximum: 5 });
    expect(big.workers).to.equal(5);
    expect(big.unclamped).to.be.greaterThan(5);
  });

  it('reports a deadline too short for the processing time and sizes to drain at full speed', () => {
    const e = estimateWorkers(10, { ...guvExample, processing: 30, deadline: 40 });
    expect(e.problem).to.match(/deadline 40 s is too short/);
    expect(e.workers).to.equal(5); // one batch of 2 per worker: ceil(10 / 2)
  });

  it('is never below the minimum nor above the maximum, for any input', () => {
    fc.assert(fc.property(fc.nat(100_000), fc.double({ min: 0.01, max: 1000, noNaN: true }), fc.double({ min: 0.1, max: 10_000, noNaN: true }), fc.integer({ min: 1, max: 64 }), fc.nat(10), fc.nat(50),
      (jobs, processing, deadline, concurrency, minimum, extra) => {
        const e = estimateWorkers(jobs, { processing, deadline, concurrency, percentile: 99, minimum, maximum: minimum + extra });
        return Number.isInteger(e.workers) && e.workers >= minimum && e.workers <= minimum + extra;
      }));
  });
});

describe('autoscale scale-down window', () => {
  it('scales up at once and down only to the highest estimate of the last window', () => {
    const w = new ScaleDownWindow(60_000);
    expect(w.decide(0, 1)).to.equal(1);
    expect(w.decide(10_000, 4)).to.equal(4); // up at once
    expect(w.decide(20_000, 0)).to.equal(4); // the 4 of t=10 s is inside the window
    expect(w.decide(60_000, 2)).to.equal(4);
    expect(w.decide(70_000, 0)).to.equal(2); // t=10 s has left the window; t=60 s's 2 has not
    expect(w.decide(119_999, 0)).to.equal(2);
    expect(w.decide(120_000, 0)).to.equal(0); // a full window after t=60 s
    expect(w.decide(121_000, 5)).to.equal(5);
  });

  it('with a zero window follows the estimate', () => {
    const w = new ScaleDownWindow(0);
    expect([w.decide(0, 3), w.decide(1, 1), w.decide(2, 0)]).to.deep.equal([3, 1, 0]);
  });
});
