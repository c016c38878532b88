import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSingleFlight } from '../../server/cache/single-flight.ts';

describe('cache/single-flight', () => {
  it('runs compute once for 20 concurrent callers and gives each its result', async () => {
    const flights = createSingleFlight();
    let computes = 0;
    const compute = async () => {
      computes++;
      await sleep(20);
      return { value: 42 };
    };
    const results = await Promise.all(Array.from({ length: 20 }, () => flights.run('k', compute)));
    expect(computes).to.equal(1);
    expect(new Set(results).size).to.equal(1);
    expect(results[0]).to.deep.equal({ value: 42 });
    expect(flights.joined).to.equal(19);
    expect(flights.inFlight).to.equal(0);
  });

  it('shares the error with every caller, then computes again on the next call', async () => {
    const flights = createSingleFlight();
    let computes = 0;
    const failing = async (): Promise<string> => {
      computes++;
      await sleep(10);
      throw new Error(`boom ${computes}`);
    };
    const settled = await Promise.allSettled(Array.from({ length: 20 }, () => flights.run('k', failing)));
    expect(computes).to.equal(1);
    const reasons = settled.map((s) => (s.status === 'rejected' ? s.reason : undefined));
    expect(new Set(reasons).size).to.equal(1);
    expect(reasons[0]).to.have.property('message', 'boom 1');
    expect(flights.inFlight).to.equal(0);

    const retried = await flights.run('k', async () => {
      computes++;
      return 'ok';
    });
    expect(retried).to.equal('ok');
    expect(computes).to.equal(2);
  });

  it('shares a synchronous throw as a rejection', async () => {
    const flights = createSingleFlight();
    const compute = (): Promise<number> => {
      throw new Error('sync');
    };
    const settled = await Promise.allSettled([flights.run('k', compute), flights.run('k', compute)]);
    expect(settled.map((s) => s.status)).to.deep.equal(['rejected', 'rejected']);
    expect(flights.joined).to.equal(1);
  });

  it('keeps different keys apart', async () => {
    const flights = createSingleFlight();
    const [a, b] = await Promise.all([flights.run('a', async () => 'A'), flights.run('b', async () => 'B')]);
    expect([a, b]).to.deep.equal(['A', 'B']);
    expect(flights.joined).to.equal(0);
  });

  describe('callers that leave', () => {
    /** A compute that resolves when released, and records whether its signal aborted. */
    function controllable() {
      let release!: (v: string) => void;
      const seen: { signal?: AbortSignal } = {};
      const compute = (signal: AbortSignal) => {
        seen.signal = signal;
        return new Promise<string>((resolve, reject) => {
          release = resolve;
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        });
      };
      return { compute, seen, release: (v: string) => release(v) };
    }

    it('cancels the run when its only caller leaves, and frees the key', async () => {
      const flights = createSingleFlight();
      const c = controllable();
      const client = new AbortController();
      const p = flights.run('k', c.compute, client.signal);
      await sleep(1);
      client.abort(new Error('gone'));
      const err = await p.catch((e: unknown) => e);
      expect(err).to.have.property('message', 'gone');
      expect(c.seen.signal?.aborted).to.equal(true);
      expect(flights.inFlight).to.equal(0);
      expect(flights.cancelled).to.equal(1);
    });

    it('keeps the run while another caller waits, and gives that caller the result', async () => {
      const flights = createSingleFlight();
      const c = controllable();
      const first = new AbortController();
      const second = new AbortController();
      const a = flights.run('k', c.compute, first.signal);
      const b = flights.run('k', c.compute, second.signal);
      await sleep(1);
      first.abort(new Error('first left'));
      expect(await a.catch((e: unknown) => (e as Error).message)).to.equal('first left');
      expect(c.seen.signal?.aborted).to.equal(false);
      c.release('done');
      expect(await b).to.equal('done');
      expect(flights.cancelled).to.equal(0);
    });

    it('never cancels a run that a caller without a signal waits for', async () => {
      const flights = createSingleFlight();
      const c = controllable();
      const leaving = new AbortController();
      const a = flights.run('k', c.compute, leaving.signal);
      const b = flights.run('k', c.compute);
      leaving.abort(new Error('left'));
      await a.catch(() => {});
      expect(c.seen.signal?.aborted).to.equal(false);
      c.release('kept');
      expect(await b).to.equal('kept');
    });

    it('starts afresh for a caller arriving after a cancelled run', async () => {
      const flights = createSingleFlight();
      const c = controllable();
      const client = new AbortController();
      const a = flights.run('k', c.compute, client.signal);
      client.abort(new Error('gone'));
      await a.catch(() => {});
      expect(await flights.run('k', async () => 'fresh')).to.equal('fresh');
    });
  });
});
