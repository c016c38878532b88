import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { createProgressBar, describe as describeDetail } from '../bin/progress.ts';

describe('CLI progress bar', () => {
  it('shows octave, iteration and the ETA a dream reports', () => {
    expect(describeDetail({ octave: 2, iteration: 3, eta: 14.2 })).to.equal('octave 2, iteration 3, ETA 14s');
    expect(describeDetail({ octave: 1, iteration: 1, eta: 125 })).to.equal('octave 1, iteration 1, ETA 2m05s');
    expect(describeDetail({ stage: 1, stages: 2 })).to.equal('stage 1/2');
  });

  it('writes the ETA into its plain-line output (not a TTY)', () => {
    const out = new PassThrough();
    const bar = createProgressBar(out as unknown as NodeJS.WriteStream, 'deepdream');
    bar.update(0.25, { octave: 1, iteration: 5, eta: 30 });
    bar.done();
    expect(String(out.read())).to.match(/^deepdream: 25% after \d+\.\ds octave 1, iteration 5, ETA 30s\n$/);
  });
});
