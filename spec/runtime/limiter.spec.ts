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

  it('with places ahead, admitted callers load while the slots evaluate, and evaluate one slot at a time', async () => {
    const limiter = createLimiter(1, 1, 2);
    const loads = [gate(), gate(), gate(), gate()];
    const evaluation = gate();
    const order: string[] = [];
    const calls = loads.map((load, i) => limiter.admit(async (evaluate) => {
      order.push(`load ${i}`);
      await load.opened;
      return evaluate(async () => {
        order.push(`evaluate ${i}`);
        await evaluation.opened;
        return i;
      });
    }));
    await Promise.resolve();
    // 1 slot + 2 ahead load at once, the fourth waits in the queue, a fifth is refused.
    expect(order).to.deep.equal(['load 0', 'load 1', 'load 2']);
    expect([limiter.active, limiter.loading, limiter.queued, limiter.full]).to.deep.equal([0, 3, 1, true]);
    expect(await limiter.run(async () => 'never').catch((e: unknown) => (e as { code: string }).code)).to.equal('IMGFLOW_ERR_OVERLOADED');
    loads[2].open();
    loads[1].open();
    await until(() => limiter.active === 1);
    // The first loaded takes the slot; the other loaded one waits for it, not for its own load.
    expect(order.slice(3)).to.deep.equal(['evaluate 2']);
    expect([limiter.active, limiter.loading]).to.deep.equal([1, 2]);
    loads[0].open();
    loads[3].open();
    evaluation.open();
    expect(await Promise.all(calls)).to.deep.equal([0, 1, 2, 3]);
    expect(order.filter((o) => o.startsWith('load'))).to.have.length(4);
    expect([limiter.active, limiter.loading, limiter.queued]).to.deep.equal([0, 0, 0]);
  });

  it('slot() evaluates without a place: the inner link of an admitted caller is never refused', async () => {
    const limiter = createLimiter(1, 0);
    const outer = limiter.admit(async (evaluate) => {
      // The queue is full (the one place is this caller's), yet an inner link gets the slot.
      expect(limiter.full).to.equal(true);
      const inner = await limiter.slot(async () => 'inner');
      return evaluate(async () => `${inner}+outer`);
    });
    expect(await outer).to.equal('inner+outer');
    expect([limiter.active, limiter.loading, limiter.queued]).to.deep.equal([0, 0, 0]);
  });

  async function until(ok: () => boolean) {
    for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setImmediate(r));
    expect(ok()).to.equal(true);
  }
});
