/** Bad input gets an error reply; the connection and the server stay up. Node failures are processerrors. */
import { expect } from 'chai';
import { startHarness, type Harness } from './_fixtures/harness.ts';
import type { TestClient } from './_fixtures/client.ts';

describe('robustness', function () {
  let h: Harness;
  let c: TestClient;
  before(async () => {
    h = await startHarness();
    c = await h.connect();
  });
  after(async () => h?.close());
  afterEach(() => expect(c.invalid).to.deep.equal([]));

  const alive = async () => {
    const rt = await c.request('runtime', 'getruntime', {}, 'runtime');
    expect(rt.command).to.equal('runtime');
  };

  it('answers malformed JSON with runtime:error and keeps the connection', async () => {
    const mark = c.sendRaw('{"protocol": "graph", ');
    const err = await c.waitFor((m) => m.command === 'error', mark);
    expect(err.protocol).to.equal('runtime');
    expect(err.payload.message).to.match(/^Invalid message: not JSON/);
    const mark2 = c.sendRaw('[1,2]');
    expect((await c.waitFor((m) => m.command === 'error', mark2)).payload.message).to.match(/expected \{protocol, command, payload\}/);
    await alive();
  });

  it('answers unknown commands and protocols with an error', async () => {
    const unknown = await c.request('graph', 'explode', { graph: 'main' });
    expect(unknown.payload).to.deep.equal({ message: 'graph:explode not supported' });
    const proto = await c.request('nonsense', 'go', {});
    expect(proto).to.include({ protocol: 'runtime', command: 'error' });
    expect(proto.payload.message).to.equal('Unknown protocol nonsense');
    await alive();
  });

  it('uses the exact texts clients depend on', async () => {
    expect((await c.request('graph', 'addnode', { id: 'a', component: 'imgflow/negate' })).payload).to.deep.equal({ message: 'No graph specified' });
    expect((await c.request('graph', 'addnode', { id: 'a', component: 'imgflow/negate', graph: 'nope' })).payload).to.deep.equal({ message: 'Requested graph not found' });
    expect((await c.request('graph', 'addnode', { id: 'a', component: 'imgflow/nonexistent', graph: 'main' })).payload.message).to.equal('Component imgflow/nonexistent not found');
    expect((await c.request('graph', 'addedge', { src: { node: 'ghost', port: 'output' }, tgt: { node: 'grey', port: 'input' }, graph: 'main' })).payload.message).to.equal('Node ghost not found');
  });

  it('reports a failing node as network:processerror and a broken graph as network:error', async () => {
    await c.request('graph', 'clear', { id: 'broken', name: 'broken' });
    await c.request('graph', 'addnode', { id: 'crop', component: 'imgflow/crop', graph: 'broken' });
    await c.request('graph', 'addinitial', { src: { data: 5000 }, tgt: { node: 'crop', port: 'x' }, graph: 'broken' });
    const mark = c.send('network', 'start', { graph: 'broken' });
    const err = await c.waitFor((m) => m.command === 'processerror', mark);
    expect(err.payload).to.include({ id: 'crop', graph: 'broken' });
    expect(err.payload.error).to.be.a('string').and.not.match(/\n\s+at /);
    await c.waitFor((m) => m.command === 'status' && m.payload.graph === 'broken' && m.payload.running === false, mark);

    // Two unconnected image inputs: the graph cannot compile.
    await c.request('graph', 'addnode', { id: 'over', component: 'imgflow/composite', graph: 'broken' });
    const mark2 = c.send('network', 'start', { graph: 'broken' });
    const err2 = await c.waitFor((m) => m.protocol === 'network' && (m.command === 'error' || m.command === 'processerror'), mark2);
    expect(err2.payload.graph).to.equal('broken');
    await c.request('network', 'stop', { graph: 'broken' }, 'stopped');
    await alive();
    expect(h.problems).to.deep.equal([]);
  });

  it('refuses non-graph component sources and accepts a graph as JSON', async () => {
    const js = await c.request('component', 'source', { name: 'Evil', language: 'javascript', code: 'process.exit(1)' }, 'component');
    expect(js.command).to.equal('error');
    const graph = { inports: { input: { process: 'n', port: 'input' } }, outports: { output: { process: 'n', port: 'output' } }, processes: { n: { component: 'imgflow/negate' } }, connections: [] };
    const ok = await c.request('component', 'source', { name: 'negated', language: 'json', code: JSON.stringify(graph) }, 'component');
    expect(ok.payload).to.include({ name: 'graphs/negated', subgraph: true });
    expect(h.runtime.store.get('negated')).to.not.equal(undefined);
    const res = await fetch(`${h.httpUrl}/graph/negated.png?input=${encodeURIComponent(h.sampleUrl)}`);
    expect(res.status).to.equal(200);
  });

  it('relays a dream\'s progress as network:output', async function () {
    this.timeout(60000);
    await c.request('graph', 'clear', { id: 'dream', name: 'dream' });
    await c.request('graph', 'addnode', { id: 'dream', component: 'imgflow/deepdream', graph: 'dream' });
    for (const [port, data] of [['octaves', 1], ['iterations', 2], ['layer', 'mixed0']] as const) {
      await c.request('graph', 'addinitial', { src: { data }, tgt: { node: 'dream', port }, graph: 'dream' });
    }
    const mark = c.send('network', 'start', { graph: 'dream' });
    const progress = await c.waitFor((m) => m.protocol === 'network' && m.command === 'output' && /^dream: \d+%/.test(m.payload.message), mark, 50_000);
    expect(progress.payload.type).to.equal('message');
    await c.waitFor((m) => m.command === 'status' && m.payload.graph === 'dream' && m.payload.running === false, mark, 50_000);
  });
  it('runs a graph that uses another graph as a component and previews the edge leaving it', async () => {
    const inverted = { inports: { input: { process: 'n', port: 'input' } }, outports: { output: { process: 'n', port: 'output' } }, processes: { n: { component: 'imgflow/negate' } }, connections: [] };
    await c.request('component', 'source', { name: 'inverted', language: 'json', code: JSON.stringify(inverted) }, 'component');
    await c.request('graph', 'clear', { id: 'uses', name: 'uses' });
    await c.request('graph', 'addnode', { id: 'inv', component: 'graphs/inverted', graph: 'uses' });
    await c.request('graph', 'addnode', { id: 'grey', component: 'imgflow/grayscale', graph: 'uses' });
    const edge = { src: { node: 'inv', port: 'output' }, tgt: { node: 'grey', port: 'input' } };
    await c.request('graph', 'addedge', { ...edge, graph: 'uses' });
    await c.request('network', 'edges', { graph: 'uses', edges: [edge] });
    const mark = c.send('network', 'start', { graph: 'uses' });
    const data = await c.waitFor((m) => m.protocol === 'network' && (m.command === 'data' || m.command === 'processerror' || m.command === 'error'), mark);
    expect(data.command).to.equal('data');
    expect(data.payload.src).to.deep.include({ node: 'inv', port: 'output' });
    expect(data.payload.data.url).to.match(/^data:image\/png;base64,/);
    await c.waitFor((m) => m.command === 'status' && m.payload.graph === 'uses' && m.payload.running === false, mark);
  });
});
