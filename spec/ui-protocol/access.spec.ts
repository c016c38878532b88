/** Secrets map to capabilities; a command without one gets "<protocol>:<command> is not permitted". */
import { expect } from 'chai';
import { READ_CAPABILITIES } from '../../ui-protocol/index.ts';
import { startHarness, READ, type Harness } from './_fixtures/harness.ts';

describe('access control', function () {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(async () => h?.close());
  afterEach(() => {
    for (const c of h.clients) expect(c.invalid, 'invalid or secret-echoing messages').to.deep.equal([]);
  });

  it('gives the read-only secret read capabilities; graph:addnode is not permitted', async () => {
    const reader = await h.connect(READ);
    const rt = await reader.request('runtime', 'getruntime', {}, 'runtime');
    expect(rt.payload.capabilities).to.have.members([...READ_CAPABILITIES]);
    const denied = await reader.request('graph', 'addnode', { id: 'x', component: 'imgflow/negate', graph: 'main' });
    expect(denied.protocol).to.equal('graph');
    expect(denied.command).to.equal('error');
    expect(denied.payload).to.deep.equal({ message: 'graph:addnode is not permitted' });
    expect(h.runtime.store.get('main')!.graph.processes).to.not.have.property('x');
    // Reading is allowed.
    expect((await reader.request('component', 'getsource', { name: 'main' }, 'source')).command).to.equal('source');
    const start = await reader.request('network', 'start', { graph: 'main' }, 'started');
    expect(start.payload).to.deep.equal({ message: 'network:start is not permitted' });
  });

  it('gives no capabilities without a secret or with a wrong one', async () => {
    for (const secret of [null, 'wrong']) {
      const anon = await h.connect(secret);
      const rt = await anon.request('runtime', 'getruntime', {}, 'runtime');
      expect(rt.payload.capabilities).to.deep.equal([]);
      const denied = await anon.request('component', 'list', {}, 'component');
      expect(denied.payload).to.deep.equal({ message: 'component:list is not permitted' });
    }
  });

  it('accepts the secret at the top level (protocol 0.8) and never echoes it', async () => {
    const c = await h.connect();
    const mark = c.send('runtime', 'getruntime', {}, { topLevel: true, requestId: 'r1' });
    const rt = await c.waitFor((m) => m.command === 'runtime', mark);
    expect(rt.responseTo).to.equal('r1');
    expect(rt.payload.capabilities).to.include('protocol:graph');
    expect(JSON.stringify(c.received)).to.not.include('full-secret');
  });

  it('does not send graph changes to clients without graph capabilities', async () => {
    const anon = await h.connect('wrong');
    await anon.request('runtime', 'getruntime', {}, 'runtime');
    const editor = await h.connect();
    await editor.request('graph', 'changenode', { id: 'grey', metadata: { label: 'Grey' }, graph: 'main' });
    const reader = await h.connect(READ);
    await reader.request('runtime', 'getruntime', {}, 'runtime');
    const mark = reader.received.length;
    await editor.request('graph', 'changenode', { id: 'grey', metadata: { label: 'Grey 2' }, graph: 'main' });
    const seen = await reader.waitFor((m) => m.command === 'changenode', mark);
    expect(seen.payload.metadata).to.include({ label: 'Grey 2' });
    expect(anon.received.filter((m) => m.protocol === 'graph')).to.deep.equal([]);
  });
});
