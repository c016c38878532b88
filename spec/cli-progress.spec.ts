/** The CLI's progress bar: what a progress detail says, and the ETA, from the operation or from the pace so far. */
import { expect } from 'chai';
import { PassThrough, Writable } from 'node:stream';
import { createProgressBar, describe as describeDetail, eta } from '../bin/progress.ts';

function collector(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({ write(chunk, _enc, done) { text += String(chunk); done(); } });
  return { stream: Object.assign(stream, { isTTY }) as unknown as NodeJS.WriteStream, text: () => text };
}

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

  it('eta: the time left at the pace so far, none before there is a pace or after the end', () => {
    expect(eta(10_000, 0.25)).to.equal('ETA 30s');
    expect(eta(30_000, 0.2)).to.equal('ETA 2m00s');
    expect(eta(5_000, 0.005)).to.equal('');
    expect(eta(50, 0.5)).to.equal('');
    expect(eta(10_000, 1)).to.equal('');
  });

  it('without an ETA from the operation, prints the pace-based one on a TTY line and in plain log lines', () => {
    let now = 1_000;
    const tty = collector(true);
    const bar = createProgressBar(tty.stream, 'deepdream', () => now);
    now += 4_000;
    bar.update(0.5, { stage: 1, stages: 2 });
    expect(tty.text()).to.match(/deepdream \[#{15}-{15}\]\s+50% 4\.0s ETA 4s stage 1\/2/);

    now = 1_000;
    const log = collector(false);
    const plain = createProgressBar(log.stream, 'deepdream', () => now);
    now += 2_000;
    plain.update(0.1);
    now += 8_000;
    plain.update(1);
    expect(log.text()).to.equal('deepdream: 10% after 2.0s ETA 18s\ndeepdream: 100% after 10.0s\n');
  });

  it('an operation\'s own ETA is shown instead of the pace-based one, never both', () => {
    let now = 0;
    const log = collector(false);
    const bar = createProgressBar(log.stream, 'deepdream', () => now);
    now = 10_000;
    bar.update(0.5, { eta: 42 });
    expect(log.text()).to.equal('deepdream: 50% after 10.0s ETA 42s\n');
  });
});
