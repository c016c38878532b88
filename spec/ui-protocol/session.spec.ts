/**
 * A Flowhub-like live session against the real server: open the main graph, add a blur with
 * IIPs, wire it, start, get the preview of the selected edge, persist, and fetch the edited
 * graph over HTTP.
 */
import { expect } from 'chai';
import sharp from 'sharp';
import { startHarness, RUNTIME_ID, type Harness } from './_fixtures/harness.ts';
import type { TestClient } from './_fixtures/client.ts';

async function decodeDataUrl(url: string) {
  const m = /^data:image\/png;base64,(.+)$/.exec(url);
  expect(m, 'a PNG data URL').to.not.equal(null);
  const bytes = Buffer.from(m![1], 'base64');
  const stats = await sharp(bytes).stats();
  return { meta: await sharp(bytes).metadata(), stats };
}

describe('Flowhub live session', function () {
  let h: Harness;
  let client: TestClient;

  before(async () => {
    h = await startHarness();
    client = await h.connect();
  });
  after(async () => h?.close());
  afterEach(() => {
    expect(client.invalid, 'messages that fail fbp-protocol schemas').to.deep.equal([]);
    expect(h.problems, 'runtime warnings and errors').to.deep.equal([]);
  });

  it('runtime:getruntime reports type, version, capabilities, id, label and the main graph, then its ports', async () => {
    const mark = client.send('runtime', 'getruntime', {});
    const rt = await client.waitFor((m) => m.command === 'runtime', mark);
    expect(rt.payload).to.include({ type: 'imgflow', version: '0.7', id: RUNTIME_ID, label: 'spec', graph: 'main' });
    expect(rt.payload.capabilities).to.include.members(['protocol:graph', 'protocol:network', 'protocol:component', 'component:getsource', 'protocol:runtime']);
    expect(rt.payload.allCapabilities).to.include('graph:readonly');
    const ports = await client.waitFor((m) => m.protocol === 'runtime' && m.command === 'ports', mark);
    expect(ports.payload.graph).to.equal('main');
    expect(ports.payload.inPorts).to.have.length(1);
    expect(ports.payload.inPorts[0]).to.include({ id: 'input', type: 'buffer', required: true });
    expect(ports.payload.outPorts[0]).to.include({ id: 'output', type: 'buffer' });
  });

  it('component:getsource of the main graph returns it as JSON', async () => {
    const src = await client.request('component', 'getsource', { name: 'main' }, 'source');
    expect(src.command).to.equal('source');
    expect(src.payload).to.include({ name: 'main', language: 'json' });
    expect(JSON.parse(src.payload.code).processes).to.have.keys(['grey']);
  });

  it('component:list describes operations with Flowhub port types and defaults', async () => {
    const mark = client.send('component', 'list');
    const ready = await client.waitFor((m) => m.command === 'componentsready', mark);
    const components = client.received.slice(mark).filter((m) => m.command === 'component').map((m) => m.payload);
    expect(ready.payload).to.equal(components.length);
    const blur = components.find((c) => c.name === 'imgflow/gaussian-blur');
    expect(blur).to.include({ subgraph: false, icon: 'tint' });
    expect(blur.inPorts.find((p: { id: string }) => p.id === 'input')).to.include({ type: 'buffer', required: true });
    expect(blur.inPorts.find((p: { id: string }) => p.id === 'std-dev-x')).to.include({ type: 'number', default: 1.5 });
    expect(blur.inPorts.find((p: { id: string }) => p.id === 'abyss-policy')).to.deep.include({ type: 'enum', values: ['clamp', 'none', 'black'] });
    expect(components.map((c) => c.name)).to.include.members(['gegl/gaussian-blur', 'graphs/main']);
    expect(components.find((c) => c.name === 'graphs/main')).to.include({ subgraph: true });
  });

  it('edits the graph, previews the selected edge, persists, and the server serves the edit', async () => {
    const before = await fetch(`${h.httpUrl}/graph/main.png?input=${encodeURIComponent(h.sampleUrl)}`);
    expect(before.status).to.equal(200);
    const revision0 = before.headers.get('x-imgflow-graph-revision');

    const graph = 'main';
    const added = await client.request('graph', 'addnode', { id: 'blur', component: 'imgflow/gaussian-blur', metadata: { x: 300, y: 100 }, graph });
    expect(added.payload).to.deep.equal({ id: 'blur', component: 'imgflow/gaussian-blur', metadata: { x: 300, y: 100 }, graph });
    for (const port of ['std-dev-x', 'std-dev-y']) {
      const iip = await client.request('graph', 'addinitial', { src: { data: 6 }, tgt: { node: 'blur', port }, graph });
      expect(iip.command).to.equal('addinitial');
    }
    const edge = { src: { node: 'grey', port: 'output' }, tgt: { node: 'blur', port: 'input' } };
    expect((await client.request('graph', 'addedge', { ...edge, graph })).command).to.equal('addedge');
    expect((await client.request('graph', 'removeoutport', { public: 'output', graph })).command).to.equal('removeoutport');
    expect((await client.request('graph', 'addoutport', { public: 'output', node: 'blur', port: 'output', graph })).command).to.equal('addoutport');

    const sel = await client.request('network', 'edges', { graph, edges: [edge] });
    expect(sel.payload).to.deep.equal({ graph, edges: [edge] });

    const mark = client.send('network', 'start', { graph });
    const started = await client.waitFor((m) => m.command === 'started', mark);
    expect(started.payload).to.include({ graph, started: true, running: true });
    const data = await client.waitFor((m) => m.command === 'data', mark);
    expect(data.payload).to.deep.include({ id: 'grey() OUTPUT -> INPUT blur()', graph, ...edge });
    // Without a sample the generated 320x240 test image is used.
    expect(data.payload.data).to.include({ type: 'previewurl', width: 320, height: 240 });
    const preview = await decodeDataUrl(data.payload.data.url);
    expect(Math.max(preview.meta.width!, preview.meta.height!)).to.be.at.most(256);
    const done = await client.waitFor((m) => m.command === 'status' && m.payload.running === false, mark);
    expect(done.payload).to.deep.equal({ graph, running: false, started: true });
    // Only the selected edge is sent: blur's output feeds no edge, and IIPs are not selected.
    expect(client.received.slice(mark).filter((m) => m.command === 'data')).to.have.length(1);

    // The designer's own image, sent to the input port, replaces the test image.
    const mark2 = client.send('runtime', 'packet', { graph, port: 'input', event: 'data', payload: h.sampleUrl });
    const sent = await client.waitFor((m) => m.command === 'packetsent', mark2);
    expect(sent.payload).to.deep.equal({ graph, port: 'input', event: 'data', payload: h.sampleUrl });
    const data2 = await client.waitFor((m) => m.command === 'data', mark2);
    expect(data2.payload.data).to.include({ width: h.sample.width, height: h.sample.height });
    const grey = await decodeDataUrl(data2.payload.data.url);
    // grayscale: all channels agree
    const [r, g] = grey.stats.channels;
    expect(Math.abs(r.mean - g.mean)).to.be.below(2);
    const out = await client.waitFor((m) => m.protocol === 'runtime' && m.command === 'packet', mark2);
    expect(out.payload).to.include({ graph, port: 'output', event: 'data' });

    const persisted = await client.request('network', 'persist', {}, 'output');
    expect(persisted.command).to.equal('output');

    const after = await fetch(`${h.httpUrl}/graph/main.png?input=${encodeURIComponent(h.sampleUrl)}`);
    expect(after.status).to.equal(200);
    expect(after.headers.get('x-imgflow-graph-revision')).to.not.equal(revision0);
    const [b0, b1] = [Buffer.from(await before.arrayBuffer()), Buffer.from(await after.arrayBuffer())];
    expect(b1.equals(b0)).to.equal(false);
    // The blurred edge between the two colour blocks has intermediate greys.
    const px = async (png: Buffer) => (await sharp(png).extract({ left: 97, top: 150, width: 1, height: 1 }).raw().toBuffer())[0];
    const [edge0, edge1] = [await px(b0), await px(b1)];
    expect(edge1).to.not.equal(edge0);
    const stored = h.runtime.store.get('main')!;
    expect(Object.keys(stored.graph.processes)).to.have.members(['grey', 'blur']);
    expect(stored.graph.outports!.output.process).to.equal('blur');
  });

  it('re-runs the preview on an edit while started, and stops', async () => {
    const graph = 'main';
    const mark = client.send('graph', 'removeinitial', { tgt: { node: 'blur', port: 'std-dev-x' }, graph });
    const removed = await client.waitFor((m) => m.command === 'removeinitial', mark);
    expect(removed.payload).to.deep.equal({ src: { data: 6 }, tgt: { node: 'blur', port: 'std-dev-x' }, graph });
    await client.waitFor((m) => m.command === 'data', mark);
    const stopped = await client.request('network', 'stop', { graph }, 'stopped');
    expect(stopped.payload).to.include({ graph, running: false, started: false });
    const status = await client.request('network', 'getstatus', { graph }, 'status');
    expect(status.payload).to.deep.equal({ graph, running: false, started: false });
  });
});
