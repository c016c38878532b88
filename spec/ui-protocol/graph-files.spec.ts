/** graph:delete and graph:rename (imgflow's additions): the store, HTTP and every client follow. */
import { expect } from 'chai';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { startHarness, type Harness } from './_fixtures/harness.ts';
import type { TestClient } from './_fixtures/client.ts';

const exists = (path: string) => access(path).then(() => true, () => false);

describe('graph:delete and graph:rename', function () {
  let h: Harness;
  let c: TestClient;
  let other: TestClient;

  before(async () => {
    h = await startHarness();
    c = await h.connect();
    other = await h.connect();
    // A client is shown what its secret allows once it has sent one.
    await other.request('runtime', 'getruntime', {}, 'runtime');
  });
  after(async () => h?.close());
  afterEach(() => {
    expect(c.invalid).to.deep.equal([]);
    expect(other.invalid).to.deep.equal([]);
    expect(h.problems).to.deep.equal([]);
  });

  async function makeGraph(id: string): Promise<void> {
    await c.request('graph', 'clear', { id, name: id });
    await c.request('graph', 'addnode', { id: 'n', component: 'imgflow/negate', graph: id });
    await c.request('graph', 'addinport', { public: 'input', node: 'n', port: 'input', graph: id });
    await c.request('graph', 'addoutport', { public: 'output', node: 'n', port: 'output', graph: id });
  }

  it('graph:delete removes the graph from the store, its file and HTTP, and tells every client', async () => {
    await makeGraph('doomed');
    await c.request('network', 'persist', {}, 'output');
    expect(await exists(join(h.dir, 'doomed.json'))).to.equal(true);
    const mark = other.received.length;
    const reply = await c.request('graph', 'delete', { id: 'doomed' });
    expect(reply.command).to.equal('delete');
    expect(reply.payload).to.deep.equal({ id: 'doomed' });
    expect((await other.waitFor((m) => m.protocol === 'graph' && m.command === 'delete', mark)).payload).to.deep.equal({ id: 'doomed' });
    expect(h.runtime.store.get('doomed')).to.equal(undefined);
    expect(await exists(join(h.dir, 'doomed.json'))).to.equal(false);
    expect((await fetch(`${h.httpUrl}/graph/doomed.png?input=${encodeURIComponent(h.sampleUrl)}`)).status).to.equal(404);
    // Gone from the component list too.
    const list = c.received.length;
    c.send('component', 'list');
    await c.waitFor((m) => m.command === 'componentsready', list);
    expect(c.received.slice(list).some((m) => m.payload?.name === 'graphs/doomed')).to.equal(false);
    expect((await c.request('graph', 'delete', { id: 'doomed' })).payload).to.deep.equal({ message: 'Requested graph not found' });
  });

  it('graph:rename moves the graph to its new name, served over HTTP at once', async () => {
    await makeGraph('before');
    const mark = other.received.length;
    const reply = await c.request('graph', 'rename', { from: 'before', to: 'after' });
    expect(reply.payload).to.deep.equal({ from: 'before', to: 'after' });
    await other.waitFor((m) => m.protocol === 'graph' && m.command === 'rename', mark);
    expect(h.runtime.store.get('before')).to.equal(undefined);
    expect(h.runtime.store.get('after')!.graph.processes).to.have.keys(['n']);
    expect(h.runtime.store.get('after')!.graph.properties).to.include({ name: 'after' });
    expect((await fetch(`${h.httpUrl}/graph/after.png?input=${encodeURIComponent(h.sampleUrl)}`)).status).to.equal(200);
    expect((await fetch(`${h.httpUrl}/graph/before.png?input=${encodeURIComponent(h.sampleUrl)}`)).status).to.equal(404);
    // Edits go on under the new name.
    await c.request('graph', 'addnode', { id: 'm', component: 'imgflow/grayscale', graph: 'after' });
    expect(h.runtime.store.get('after')!.graph.processes).to.have.keys(['n', 'm']);
  });

  it('refuses a taken or invalid name, a missing graph, and a graph used as a subgraph', async () => {
    await makeGraph('inner');
    await makeGraph('taken');
    await c.request('graph', 'clear', { id: 'outer', name: 'outer' });
    await c.request('graph', 'addnode', { id: 'sub', component: 'graphs/inner', graph: 'outer' });
    expect((await c.request('graph', 'rename', { from: 'taken', to: 'main' })).payload.message).to.equal('Graph main already exists');
    expect((await c.request('graph', 'rename', { from: 'taken', to: '../x' })).payload.message).to.match(/^Invalid graph name/);
    expect((await c.request('graph', 'rename', { from: 'ghost', to: 'y' })).payload.message).to.equal('Requested graph not found');
    expect((await c.request('graph', 'delete', { id: 'inner' })).payload.message).to.equal('Cannot delete graph inner: outer uses it as a subgraph');
    expect((await c.request('graph', 'rename', { from: 'inner', to: 'z' })).payload.message).to.equal('Cannot rename graph inner: outer uses it as a subgraph');
    expect((await c.request('graph', 'delete', {})).payload.message).to.equal('Missing id: expected a non-empty string');
    expect(h.runtime.store.get('inner')).to.not.equal(undefined);
    expect(h.runtime.store.get('taken')).to.not.equal(undefined);
  });

  it('needs full access', async () => {
    const reader = await h.connect('read-secret');
    expect((await reader.request('graph', 'delete', { id: 'main' })).payload.message).to.equal('graph:delete is not permitted');
    expect((await reader.request('graph', 'rename', { from: 'main', to: 'x' })).payload.message).to.equal('graph:rename is not permitted');
    expect(h.runtime.store.get('main')).to.not.equal(undefined);
  });
});
