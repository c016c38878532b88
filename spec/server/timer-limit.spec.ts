/**
 * The timer cap (server/timer-limit.ts): Node really fires a longer timer at once, the cap
 * itself is held, and every setting that becomes a timer refuses one second more.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig } from '../../server/config.ts';
import { MAX_TIMER_MS, MAX_TIMER_SECONDS } from '../../server/timer-limit.ts';
import type { ImgflowError } from '../../runtime/errors.ts';
import { autoscaleProblems } from '../_helpers/autoscale.ts';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/imgflow.js', import.meta.url));

/** In a child (its TimeoutOverflowWarning stays there): does a timer of `ms` fire within 300 ms? */
async function firesAtOnce(ms: number): Promise<boolean> {
  const { stdout } = await run(process.execPath, ['-e', `
    setTimeout(() => { console.log('fired'); process.exit(0); }, ${ms});
    setTimeout(() => { console.log('held'); process.exit(0); }, 300);
  `]);
  return stdout.trim() === 'fired';
}

describe('timer cap (2^31-1 ms)', function () {
  this.timeout(60_000);

  it('is the whole seconds a Node timer holds: the cap waits, one second more fires at once', async () => {
    expect(MAX_TIMER_SECONDS).to.equal(2_147_483);
    expect(MAX_TIMER_SECONDS * 1000).to.be.at.most(MAX_TIMER_MS);
    expect(await firesAtOnce(MAX_TIMER_SECONDS * 1000)).to.equal(false);
    expect(await firesAtOnce((MAX_TIMER_SECONDS + 1) * 1000)).to.equal(true);
  });

  it('server config: the worker lifetime and idle settings take the cap and refuse one second more', () => {
    const ok = loadConfig({}, { IMGFLOW_WORKER_MAX_LIFETIME_SECONDS: String(MAX_TIMER_SECONDS), IMGFLOW_WORKER_EXIT_WHEN_IDLE_SECONDS: String(MAX_TIMER_SECONDS) });
    expect(ok).to.include({ workerMaxLifetimeSeconds: MAX_TIMER_SECONDS, workerExitWhenIdleSeconds: MAX_TIMER_SECONDS });
    let err: ImgflowError | undefined;
    try {
      loadConfig({}, { IMGFLOW_WORKER_MAX_LIFETIME_SECONDS: String(MAX_TIMER_SECONDS + 1), IMGFLOW_WORKER_EXIT_WHEN_IDLE_SECONDS: String(MAX_TIMER_SECONDS + 1) });
    } catch (e) {
      err = e as ImgflowError;
    }
    expect(err?.code).to.equal('IMGFLOW_ERR_CONFIG_INVALID');
    expect(err?.details.problems).to.have.length(2);
  });

  it('autoscale.yaml: the fly timers take the cap and refuse one second more', () => {
    // max_lifetime 0 (never): a finite one must fit below max_age with ready_timeout, see config.spec
    const fly = (v: number) => `'*': {actuator: fly, app: a1, fly: {image: x, max_age: ${v}, sweep_interval: ${v}, ready_timeout: ${v}, exit_when_idle: ${v}, max_lifetime: 0}}\nheavy: {min: 0}`;
    expect(autoscaleProblems(fly(MAX_TIMER_SECONDS))).to.deep.equal([]);
    expect(autoscaleProblems(fly(MAX_TIMER_SECONDS + 1))).to.have.members(
      ['max_age', 'sweep_interval', 'ready_timeout', 'exit_when_idle'].map((k) => `*.fly.${k}: must be <= ${MAX_TIMER_SECONDS}`));
    expect(autoscaleProblems(`'*': {actuator: fly, app: a1, fly: {image: x, max_lifetime: ${MAX_TIMER_SECONDS + 1}}}\nheavy: {}`))
      .to.include(`*.fly.max_lifetime: must be <= ${MAX_TIMER_SECONDS}`);
  });

  it('imgflow worker: --max-lifetime and --exit-when-idle refuse one second more than the cap, before any connection', async () => {
    for (const flag of ['--max-lifetime', '--exit-when-idle']) {
      const err = await run(process.execPath, [BIN, 'worker', flag, String(MAX_TIMER_SECONDS + 1)], { timeout: 30_000 }).then(() => undefined, (e: { code: number; stderr: string }) => e);
      expect(err?.code).to.equal(1);
      expect(err?.stderr).to.contain(`${flag} takes whole seconds 0..${MAX_TIMER_SECONDS} (0: never)`);
    }
  });
});
