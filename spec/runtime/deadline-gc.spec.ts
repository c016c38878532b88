/**
 * A stage's time limit fires even when garbage collection runs during the stage. The limit was
 * an AbortSignal.timeout combined with the caller's signal by AbortSignal.any, which holds it
 * only weakly (as its timer does): collected, it never fired, and a compute stage ran past its
 * limit to its end (nodejs/node#57736). The child process collects every 20 ms to make that
 * certain rather than a matter of timing (it was: 17.8 s for a 1 s limit).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const child = fileURLToPath(new URL('./_fixtures/deadline-under-gc.ts', import.meta.url));

describe('time limit under garbage collection', function () {
  this.timeout(120_000);

  it('ends a compute stage at its limit while the process collects garbage', async () => {
    const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', child], { timeout: 110_000 });
    const { code, ms } = JSON.parse(stdout.trim().split('\n').pop()!) as { code: string; ms: number };
    expect(code).to.equal('IMGFLOW_ERR_PROCESSING_TIMEOUT');
    // The limit, the hand-over and the thread's end; without a strong reference: the whole stage.
    expect(ms).to.be.below(2500);
  });
});
