import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { AutoscaleConfigError, parseAutoscaleConfig } from '../../../server/autoscale/config.ts';

function problems(yaml: string): string[] {
  try {
    parseAutoscaleConfig(yaml);
  } catch (err) {
    expect(err).to.be.instanceOf(AutoscaleConfigError);
    return (err as AutoscaleConfigError).problems;
  }
  throw new Error('expected the config to be refused');
}

describe('autoscale config (YAML)', () => {
  it('reads guv\'s shape: defaults under *, shorthands, guv\'s defaults for the rest', () => {
    const c = parseAutoscaleConfig(`
'*': {min: 0, max: 10, pollinterval: 5, history: 60}
deepdream: {p: 30, stddev: 10, d: 300, concurrency: 1}
thumbs: {q: heavy, w: thumbworker, max: 2}
`);
    expect(c.actuator).to.equal('local');
    expect(c.pollSeconds).to.equal(5);
    expect(c.historySeconds).to.equal(60);
    expect(c.roles).to.deep.equal([
      { name: 'deepdream', queue: 'deepdream', worker: 'deepdream', processing: 30, stddev: 10, deadline: 300, concurrency: 1, percentile: 99, minimum: 0, maximum: 10, boot: 30 },
      { name: 'thumbs', queue: 'heavy', worker: 'thumbworker', processing: 10, deadline: 60, concurrency: 1, percentile: 99, minimum: 0, maximum: 2, boot: 30 },
    ]);
  });

  it('parses the example autoscale.yaml of the repository', () => {
    const c = parseAutoscaleConfig(readFileSync('autoscale.yaml', 'utf8'));
    expect(c.roles.map((r) => r.queue)).to.deep.equal(['deepdream', 'heavy']);
  });

  it('names the key of every problem', () => {
    expect(problems(`
'*': {actuator: kubernetes, pollinterval: 0, colour: red}
deepdream: {deadlin: 300, concurrency: 1.5, min: 3, max: 2}
heavy: {p: 2, processing: 3}
`)).to.have.members([
      '*.actuator: must be one of local, heroku, prometheus',
      '*.pollinterval: must be > 0',
      '*.colour: unknown key',
      'deepdream.deadlin: unknown key',
      'deepdream.concurrency: must be integer',
    ]);
    expect(problems('deepdream: {min: 3, max: 2}\nheavy: {p: 2, processing: 3}')).to.have.members([
      'deepdream.minimum: 3 is above maximum 2',
      'heavy.p: give processing or p, not both',
    ]);
    expect(problems("'*': {actuator: heroku}\nweb: {}")).to.deep.equal(['*.app: the heroku actuator needs the Heroku app name']);
    expect(problems('a: {queue: heavy}\nb: {q: heavy}')).to.deep.equal(['b.queue: heavy is already scaled by a']);
    expect(problems('Deep_Dream: {}')[0]).to.match(/^Deep_Dream: the queue name "Deep_Dream" is not/);
    expect(problems('"bad name": {}')[0]).to.match(/^"bad name": a role name is/);
  });

  it('refuses what is not a YAML mapping, or has no role', () => {
    expect(problems('deepdream: [1')[0]).to.match(/^not YAML/);
    expect(problems('- a\n- b')).to.deep.equal(['(file): must be a mapping of role names to settings']);
    expect(problems("'*': {max: 3}")[0]).to.match(/^\(file\): no role/);
  });
});
