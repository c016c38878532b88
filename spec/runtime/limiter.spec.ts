import { expect } from 'chai';
import { createLimiter } from '../../runtime/limiter.ts';

describe('runtime/limiter', () => {
  const gate = () => {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => { open = resolve; });
    return { opened, open: () => open() };
  };

  it('runs at most `concurrency` tasks, queues `maxQueue` more and refuses the rest with 429', async () => {
    const limiter = createLimiter(2, 1);
    const g = gate();
    const runs = [0, 1, 2].map(() => limiter.run(() => g.opened));
    expect([limiter.active, limiter.queued, limiter.full]).to.deep.equal([2, 1, true]);
    const refused = await limiter.run(async () => 'never').catch((e: unknown) => e);
    expect(refused).to.have.property('code', 'IMGFLOW_ERR_OVERLOADED');
    g.open();
    await Promise.all(runs);
    expect([limiter.active, limiter.queued]).to.deep.equal([0, 0]);
  });

  it('drops a waiting caller whose signal aborts: it never runs and holds no place', async () => {
    const limiter = createLimiter(1, 1);
    const g = gate();
    const running = limiter.run(() => g.opened);
    const client = new AbortController();
    let ran = false;
    const waiting = limiter.run(async () => { ran = true; }, client.signal);
    expect(limiter.queued).to.equal(1);
    client.abort(new Error('client left'));
    expect(await waiting.catch((e: unknown) => (e as Error).message)).to.equal('client left');
    expect(limiter.queued).to.equal(0);
    // The freed place is usable, and the slot passes on normally.
    const next = limiter.run(async () => 'next');
    g.open();
    await running;
    expect(await next).to.equal('next');
    expect(ran).to.equal(false);
    expect(limiter.active).to.equal(0);
  });
});
