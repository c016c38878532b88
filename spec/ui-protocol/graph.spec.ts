/** graph:* commands beyond what fbp-test covers, checked against the store the server reads. */
import { expect } from 'chai';
import { startHarness, type Harness } from './_fixtures/harness.ts';
import type { TestClient } from './_fixtures/client.ts';

describe('graph protocol', function () {
  let h: Harness;
  let c: TestClient;
  const graph = 'edit';
  const stored = () => h.runtime.store.get(graph)!.graph;

  before(async () => {
    h = await startHarness();
    c = await h.connect();
    await c.request('graph', 'clear', { id: graph, name: 'Edit', description: 'edited live', main: false });
    await c.request('graph', 'addnode', { id: 'a', component: 'imgflow/grayscale', graph });
    await c.request('graph', 'addnode', { id: 'b', component: 'imgflow/gaussian-blur', graph });
    await c.request('graph', 'addedge', { src: { node: 'a', port: 'output' }, tgt: { node: 'b', port: 'input' }, metadata: { route: 1 }, graph });
    await c.request('graph', 'addinitial', { src: { data: 3 }, tgt: { node: 'b', port: 'std-dev-x' }, graph });
    await c.request('graph', 'addinport', { public: 'input', node: 'a', port: 'input', graph });
    await c.request('graph', 'addoutport', { public: 'output', node: 'b', port: 'output', graph });
  });
  after(async () => h?.close());
  afterEach(() => {
    expect(c.invalid).to.deep.equal([]);
    expect(h.problems).to.deep.equal([]);
  });

  it('graph:clear creates a stored graph with its properties', () => {
    expect(stored().properties).to.include({ name: 'Edit', description: 'edited live' });
    expect(stored().connections).to.have.length(2);
  });

  it('graph:changeedge merges edge metadata', async () => {
    const r = await c.request('graph', 'changeedge', { src: { node: 'a', port: 'output' }, tgt: { node: 'b', port: 'input' }, metadata: { route: null, secure: true }, graph });
    expect(r.payload.metadata).to.deep.equal({ secure: true });
  });

  it('graph:renameinport and renameoutport rename exported ports and announce runtime:ports', async () => {
    const mark = c.received.length;
    await c.request('graph', 'renameinport', { from: 'input', to: 'source', graph });
    const ports = await c.waitFor((m) => m.protocol === 'runtime' && m.command === 'ports' && m.payload.graph === graph, mark);
    expect(ports.payload.inPorts.map((p: { id: string }) => p.id)).to.deep.equal(['source']);
    await c.request('graph', 'renameinport', { from: 'source', to: 'input', graph });
    await c.request('graph', 'renameoutport', { from: 'output', to: 'result', graph });
    expect(stored().outports).to.have.keys(['result']);
    await c.request('graph', 'renameoutport', { from: 'result', to: 'output', graph });
  });

  it('group commands add, rename, change and remove groups', async () => {
    await c.request('graph', 'addgroup', { name: 'g', nodes: ['a', 'b'], metadata: { description: 'both' }, graph });
    await c.request('graph', 'renamegroup', { from: 'g', to: 'pair', graph });
    const changed = await c.request('graph', 'changegroup', { name: 'pair', metadata: { color: 2 }, graph });
    expect(changed.payload.metadata).to.deep.equal({ description: 'both', color: 2 });
    expect(stored().groups).to.deep.equal([{ name: 'pair', nodes: ['a', 'b'], metadata: { description: 'both', color: 2 } }]);
    await c.request('graph', 'removegroup', { name: 'pair', graph });
    expect(stored().groups).to.deep.equal([]);
  });

  it('graph:removenode removes its edges, IIPs and exported ports first', async () => {
    const mark = c.send('graph', 'removenode', { id: 'b', graph });
    await c.waitFor((m) => m.command === 'removenode', mark);
    const seq = c.received.slice(mark).filter((m) => m.protocol === 'graph').map((m) => m.command);
    expect(seq).to.deep.equal(['removeedge', 'removeinitial', 'removeoutport', 'removenode']);
    const edge = c.received.slice(mark).find((m) => m.command === 'removeedge')!;
    expect(edge.payload).to.deep.equal({ src: { node: 'a', port: 'output' }, tgt: { node: 'b', port: 'input' }, graph });
    expect(stored().processes).to.have.keys(['a']);
    expect(stored().connections).to.deep.equal([]);
    expect(stored().outports).to.deep.equal({});
  });

  it('answers edits of missing nodes, edges and ports with graph:error', async () => {
    for (const [cmd, payload] of [
      ['removenode', { id: 'zzz' }],
      ['removeedge', { src: { node: 'a', port: 'output' }, tgt: { node: 'zzz', port: 'input' } }],
      ['removeinport', { public: 'zzz' }],
      ['renamegroup', { from: 'zzz', to: 'y' }],
      ['addnode', { id: 'a', component: 'imgflow/negate' }],
    ] as const) {
      const r = await c.request('graph', cmd, { ...payload, graph });
      expect(r.command, cmd).to.equal('error');
    }
  });

  it('keeps graphs the store cannot name (fbp-spec fixtures) in memory', async () => {
    const r = await c.request('graph', 'clear', { id: 'fixture.x1', main: false });
    expect(r.command).to.equal('clear');
    await c.request('graph', 'addnode', { id: 'n', component: 'imgflow/negate', graph: 'fixture.x1' });
    expect(h.runtime.store.get('fixture.x1')).to.equal(undefined);
    const src = await c.request('component', 'getsource', { name: 'fixture.x1' }, 'source');
    expect(JSON.parse(src.payload.code).processes).to.have.keys(['n']);
  });
});
