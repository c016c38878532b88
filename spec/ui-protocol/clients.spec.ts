/** Two Flowhub windows on one runtime see each other's edits. */
import { expect } from 'chai';
import { startHarness, type Harness } from './_fixtures/harness.ts';

describe('several clients', function () {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(async () => h?.close());

  it('announces every edit to the other clients, and only the author gets responseTo', async () => {
    const a = await h.connect();
    const b = await h.connect();
    await b.request('runtime', 'getruntime', {}, 'runtime');
    const markB = b.received.length;
    const markA = a.send('graph', 'addnode', { id: 'inv', component: 'gegl/invert', metadata: { x: 1, y: 2 }, graph: 'main' }, { requestId: 'add-1' });
    const mine = await a.waitFor((m) => m.command === 'addnode', markA);
    expect(mine.responseTo).to.equal('add-1');
    const theirs = await b.waitFor((m) => m.command === 'addnode', markB);
    expect(theirs.payload).to.deep.equal({ id: 'inv', component: 'gegl/invert', metadata: { x: 1, y: 2 }, graph: 'main' });
    expect(theirs.responseTo).to.equal(undefined);

    const markA2 = a.received.length;
    await b.request('graph', 'renamenode', { from: 'inv', to: 'invert', graph: 'main' });
    expect((await a.waitFor((m) => m.command === 'renamenode', markA2)).payload).to.deep.equal({ from: 'inv', to: 'invert', graph: 'main' });
    const markA3 = a.received.length;
    await b.request('graph', 'removenode', { id: 'invert', graph: 'main' });
    await a.waitFor((m) => m.command === 'removenode', markA3);
    expect(h.runtime.store.get('main')!.graph.processes).to.have.keys(['grey']);
    for (const c of [a, b]) expect(c.invalid).to.deep.equal([]);
  });
});
