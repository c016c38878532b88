import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { parseAutoscaleConfig } from '../../../server/autoscale/config.ts';
import { autoscaleProblems } from '../../_helpers/autoscale.ts';

/** Refused: its problems (a config that is accepted fails the test). */
function problems(yaml: string): string[] {
  const found = autoscaleProblems(yaml);
  if (found.length === 0) throw new Error('expected the config to be refused');
  return found;
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
    expect(c.roles.map((r) => r.queue)).to.deep.equal(['deepdream', 'heavy', 'uploads']);
  });

  it('names the key of every problem', () => {
    expect(problems(`
'*': {actuator: kubernetes, pollinterval: 0, colour: red}
deepdream: {deadlin: 300, concurrency: 1.5, min: 3, max: 2}
heavy: {p: 2, processing: 3}
`)).to.have.members([
      '*.actuator: must be one of local, heroku, prometheus, fly',
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

  it('reads the fly actuator\'s settings, defaults and per-role machine sizes', () => {
    const c = parseAutoscaleConfig(`
'*':
  actuator: fly
  app: imgflow-workers
  fly: {image: 'registry.fly.io/imgflow-workers:v3', region: ams, cpus: 2, memory_mb: 4096, env: {IMGFLOW_LOG_LEVEL: warn}, max_age: 1800, max_lifetime: 1400}
deepdream: {fly: {cpus: 8, memory_mb: 16384, cpu_kind: performance, region: ord}}
heavy: {}
`);
    expect(c.actuator).to.equal('fly');
    expect(c.flyApp).to.equal('imgflow-workers');
    expect(c.fly).to.deep.equal({
      baseUrl: 'https://api.machines.dev/v1', image: 'registry.fly.io/imgflow-workers:v3', region: 'ams',
      guest: { cpus: 2, memory_mb: 4096, cpu_kind: 'shared' }, env: { IMGFLOW_LOG_LEVEL: 'warn' },
      command: ['node', '--initial-old-space-size=128', 'dist/bin/cli.js', 'worker'],
      maxAge: 1800, sweepInterval: 60, readyTimeout: 300, maxLifetime: 1400, exitWhenIdle: 0,
    });
    expect(c.roles[0].fly).to.deep.equal({ cpus: 8, memory_mb: 16384, cpu_kind: 'performance', region: 'ord' });
    expect(c.roles[1].fly).to.equal(undefined);
  });

  it('names the key of every problem in the fly settings', () => {
    expect(problems(`
'*': {actuator: fly, fly: {api: 'ftp://x', memory_mb: 300, cpu_kind: turbo, regoin: ams, env: {1BAD: x, OK: 3}, max_age: 0}}
deepdream: {fly: {cpus: 0, image: other}}
`)).to.have.members([
      '*.fly.api: must match pattern "^https?://"',
      '*.fly.memory_mb: must be multiple of 256',
      '*.fly.cpu_kind: must be one of shared, performance',
      '*.fly.regoin: unknown key',
      '*.fly.env.1BAD: not an environment variable name (A-Z a-z 0-9 _, not starting with a digit)',
      '*.fly.env.OK: must be string',
      '*.fly.max_age: must be > 0',
      'deepdream.fly.cpus: must be >= 1',
      'deepdream.fly.image: unknown key',
    ]);
    expect(problems("'*': {actuator: fly}\nheavy: {}")).to.have.members([
      '*.app: the fly actuator needs the Fly app name its machines are created in',
      '*.fly.image: the fly actuator needs the image its workers run (e.g. registry.fly.io/<app>:<tag>)',
    ]);
    // A healthy machine lives up to ready_timeout (booting) + max_lifetime + stop_timeout (its
    // worker finishing its jobs): the sweeper must not take it before its worker could leave.
    expect(problems("'*': {actuator: fly, app: a1, fly: {image: x, max_age: 600, max_lifetime: 600}}\nheavy: {}")).to.deep.equal([
      '*.fly.max_lifetime: ready_timeout 300 + max_lifetime 600 + stop_timeout 60 = 960 s, the longest a healthy machine lives, must be below max_age 600 (workers stop by themselves; the sweeper is for the lost ones)',
    ]);
    expect(problems("'*': {actuator: fly, app: a1, fly: {image: x, max_age: 3600, max_lifetime: 3400}}\nheavy: {}")).to.deep.equal([
      '*.fly.max_lifetime: ready_timeout 300 + max_lifetime 3400 + stop_timeout 60 = 3760 s, the longest a healthy machine lives, must be below max_age 3600 (workers stop by themselves; the sweeper is for the lost ones)',
    ]);
    expect(problems("'*': {actuator: fly, app: a1, stop_timeout: 120, fly: {image: x, max_age: 3600, max_lifetime: 3200, ready_timeout: 300}}\nheavy: {}")).to.have.length(1);
    expect(problems("'*': {actuator: fly, app: a1, fly: {image: x, max_age: 3600, max_lifetime: 3200, ready_timeout: 400}}\nheavy: {}")).to.have.length(1);
    expect(parseAutoscaleConfig("'*': {actuator: fly, app: a1, fly: {image: x, max_age: 3600, max_lifetime: 3200}}\nheavy: {}").fly.maxLifetime).to.equal(3200);
    // max_lifetime 0: workers never leave by themselves, max_age is the only bound.
    expect(parseAutoscaleConfig("'*': {actuator: fly, app: a1, fly: {image: x, max_age: 600, max_lifetime: 0}}\nheavy: {}").fly.maxAge).to.equal(600);
    expect(problems("'*': {actuator: fly, app: a1, fly: {image: x, exit_when_idle: 60}}\nheavy: {min: 1}")[0]).to.match(/^\*\.fly\.exit_when_idle: workers of a role with minimum > 0 \(heavy\)/);
  });

  it('parses the fly example file of the repository', () => {
    const c = parseAutoscaleConfig(readFileSync('autoscale.fly.yaml', 'utf8'));
    expect(c.actuator).to.equal('fly');
    expect(c.roles.map((r) => r.queue)).to.deep.equal(['deepdream', 'heavy', 'uploads']);
  });

  it('refuses what is not a YAML mapping, or has no role', () => {
    expect(problems('deepdream: [1')[0]).to.match(/^not YAML/);
    expect(problems('- a\n- b')).to.deep.equal(['(file): must be a mapping of role names to settings']);
    expect(problems("'*': {max: 3}")[0]).to.match(/^\(file\): no role/);
  });
});
