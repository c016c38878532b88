import { expect } from 'chai';
import { StepClock } from '../../operations/deepdream/step-clock.ts';
import { dream } from '../../operations/deepdream/index.ts';
import { picture } from './helpers.ts';

describe('deepdream ETA', function () {
  this.timeout(60000);

  it("estimates from the current octave's time per pixel", () => {
    const clock = new StepClock();
    expect(clock.etaSeconds(1000)).to.equal(undefined);
    clock.record(0, 100, 40);
    clock.record(0, 100, 60);
    expect(clock.etaSeconds(300)).to.be.closeTo(0.15, 1e-12); // 0.5 ms per pixel
    clock.record(1, 200, 400); // a new octave: only its own steps count
    expect(clock.etaSeconds(1000)).to.be.closeTo(2, 1e-12);
  });

  it('reports a finite ETA with every step, 0 after the last', async () => {
    const etas: number[] = [];
    await dream(await picture(60, 60), { layer: 'mixed0', octaves: 2, iterations: 2, backend: 'cpu' }, (_, d) => etas.push(d.eta));
    expect(etas).to.have.length(4);
    for (const e of etas) expect(e).to.be.a('number').and.to.satisfy(Number.isFinite).and.to.be.at.least(0);
    expect(etas[0]).to.be.above(0);
    expect(etas[3]).to.equal(0);
  });
});
