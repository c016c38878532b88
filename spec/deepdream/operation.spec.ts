import { expect } from 'chai';
import op from '../../operations/deepdream.ts';
import { kindOf } from '../../operations/define.ts';
import graph from '../../graphs/deepdream.json' with { type: 'json' };
import { picture } from './helpers.ts';

describe('deepdream operation', function () {
  this.timeout(60000);

  it('is a process operation with bounded, defaulted parameters', () => {
    expect(op.name).to.equal('deepdream');
    expect(kindOf(op)).to.equal('process');
    expect(op.params.layer.values).to.deep.equal(['mixed0', 'mixed1', 'mixed2', 'mixed3', 'mixed4', 'mixed5']);
    for (const [name, spec] of Object.entries(op.params)) {
      expect(spec.default, name).to.not.equal(undefined);
      if (spec.type === 'int' || spec.type === 'number') {
        expect(spec.min, name).to.be.a('number');
        expect(spec.default as number, name).to.be.within(spec.min!, spec.max!);
      }
    }
    expect(op.inputs.guide.required).to.equal(false);
  });

  it('is exposed by graphs/deepdream.json, every port of it', () => {
    expect(graph.processes.dream.component).to.equal('imgflow/deepdream');
    const ports = Object.keys(graph.inports).filter((p) => p !== 'input' && p !== 'guide');
    expect(ports.sort()).to.deep.equal(Object.keys(op.params).sort());
    expect(graph.outports.output).to.deep.equal({ process: 'dream', port: 'output' });
  });

  it('runs and reports progress with octave, iteration and ETA', async () => {
    const img = await picture(48, 48);
    const seen: [number, Record<string, unknown> | undefined][] = [];
    const params = { ...Object.fromEntries(Object.entries(op.params).map(([k, s]) => [k, s.default!])), layer: 'mixed0', octaves: 1, iterations: 2 };
    // The operation reads the backend from the environment (the server's config sets it).
    const before = process.env.IMGFLOW_DEEPDREAM_BACKEND;
    process.env.IMGFLOW_DEEPDREAM_BACKEND = 'cpu';
    const out = await op.process!(img, params, {}, { progress: (f, d) => seen.push([f, d]) }).finally(() => {
      if (before === undefined) delete process.env.IMGFLOW_DEEPDREAM_BACKEND;
      else process.env.IMGFLOW_DEEPDREAM_BACKEND = before;
    });
    expect([out.width, out.height, out.channels]).to.deep.equal([48, 48, 3]);
    expect(seen.map(([f, d]) => [f, d?.octave, d?.iteration])).to.deep.equal([[0.5, 1, 1], [1, 1, 2]]);
    expect(seen[0][1]?.eta).to.be.a('number').and.to.be.above(0);
    expect(seen[1][1]?.eta).to.equal(0);
  });
});
