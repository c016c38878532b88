/** Metadata fields fbp-protocol types (x, y, route, secure, schema, description) are checked on the way in. */
import { expect } from 'chai';
import { startHarness, type Harness } from './_fixtures/harness.ts';
import type { TestClient } from './_fixtures/client.ts';

describe('ui-protocol: typed metadata', function () {
  this.timeout(20000);
  let h: Harness;
  let c: TestClient;
  before(async () => {
    h = await startHarness();
    c = await h.connect();
    await c.request('graph', 'clear', { id: 'meta', name: 'meta' });
  });
  after(async () => h?.close());
  afterEach(() => expect(c.invalid).to.deep.equal([]));

  it('refuses a node position that is not a number, with a protocol error, and adds nothing', async () => {
    const reply = await c.request('graph', 'addnode', { id: 'n', component: 'imgflow/negate', graph: 'meta', metadata: { x: 'left', y: 1 } });
    expect(reply.command).to.equal('error');
    expect(reply.payload.message).to.equal('metadata.x must be a number');
    expect(h.problems).to.deep.equal([]);
    expect(Object.keys(h.runtime.store.get('meta')!.graph.processes)).to.deep.equal([]);
  });

  it('rounds fractional positions, so every client gets a valid graph:addnode', async () => {
    const reply = await c.request('graph', 'addnode', { id: 'n', component: 'imgflow/negate', graph: 'meta', metadata: { x: 10.6, y: -3.2, label: 'N' } });
    expect(reply.command).to.equal('addnode');
    expect(reply.payload.metadata).to.deep.equal({ x: 11, y: -3, label: 'N' });
    const changed = await c.request('graph', 'changenode', { id: 'n', graph: 'meta', metadata: { y: null, x: 'no' } });
    expect(changed.payload.message).to.equal('metadata.x must be a number');
  });

  it('checks edge and group metadata too', async () => {
    await c.request('graph', 'addnode', { id: 'm', component: 'imgflow/negate', graph: 'meta' });
    const edge = { src: { node: 'n', port: 'output' }, tgt: { node: 'm', port: 'input' }, graph: 'meta' };
    expect((await c.request('graph', 'addedge', { ...edge, metadata: { secure: 'yes' } })).payload.message).to.equal('metadata.secure must be a boolean');
    expect((await c.request('graph', 'addedge', { ...edge, metadata: { route: 2.4 } })).payload.metadata).to.deep.equal({ route: 2 });
    expect((await c.request('graph', 'addgroup', { name: 'grp', nodes: ['n'], graph: 'meta', metadata: { description: 7 } })).payload.message).to.equal('metadata.description must be a string');
    expect(h.problems).to.deep.equal([]);
  });
});
