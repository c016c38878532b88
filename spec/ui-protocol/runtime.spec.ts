/** runtime:packet through exported ports, trace, transport details, the standalone runtime and the Flowhub link. */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { flowhubLinkWarning, flowhubLiveUrl, runtimeIdFrom, startStandaloneRuntime } from '../../ui-protocol/index.ts';
import { startHarness, type Harness } from './_fixtures/harness.ts';
import { TestClient } from './_fixtures/client.ts';
import { testComponents } from './_fixtures/test-components.ts';
import { loadConfig } from '../../server/config.ts';
import { inputCheckFrom } from '../../server/runtime-options.ts';

describe('runtime protocol and transport', function () {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(async () => h?.close());

  it('runtime:packet moves packets through a packet graph (what fbp-spec does)', async () => {
    const c = await h.connect();
    const graph = 'fixture.echo';
    await c.request('graph', 'clear', { id: graph, main: false });
    await c.request('graph', 'addnode', { id: 'r', component: 'tests/Repeat', graph });
    await c.request('graph', 'addinport', { public: 'in', node: 'r', port: 'in', graph });
    await c.request('graph', 'addoutport', { public: 'out', node: 'r', port: 'out', graph });
    await c.request('network', 'start', { graph }, 'started');
    const mark = c.send('runtime', 'packet', { graph, port: 'in', event: 'data', payload: { hello: 1 } });
    expect((await c.waitFor((m) => m.command === 'packetsent', mark)).payload).to.deep.equal({ graph, port: 'in', event: 'data', payload: { hello: 1 } });
    const out = await c.waitFor((m) => m.protocol === 'runtime' && m.command === 'packet', mark);
    expect(out.payload).to.deep.equal({ graph, port: 'out', event: 'data', payload: { hello: 1 } });
    const missing = await c.request('runtime', 'packet', { graph, port: 'nope', event: 'data', payload: 1 }, 'packetsent');
    expect(missing.command).to.equal('error');
    expect(c.invalid).to.deep.equal([]);
  });

  it('trace:start/dump/clear record network events as a Flowtrace', async () => {
    const c = await h.connect();
    const graph = 'traced';
    await c.request('graph', 'clear', { id: graph });
    await c.request('graph', 'addnode', { id: 'r', component: 'tests/Repeat', graph });
    await c.request('graph', 'addnode', { id: 'd', component: 'tests/Drop', graph });
    await c.request('graph', 'addedge', { src: { node: 'r', port: 'out' }, tgt: { node: 'd', port: 'in' }, graph });
    await c.request('graph', 'addinitial', { src: { data: 'x' }, tgt: { node: 'r', port: 'in' }, graph });
    expect((await c.request('trace', 'start', { graph, buffersize: 100000 })).payload).to.deep.equal({ graph, buffersize: 100000 });
    const mark = c.send('network', 'start', { graph });
    await c.waitFor((m) => m.command === 'status' && m.payload.graph === graph, mark);
    await c.request('trace', 'stop', { graph });
    const dump = await c.request('trace', 'dump', { graph, type: 'flowtrace.json' });
    const trace = JSON.parse(dump.payload.flowtrace);
    expect(trace.header.graphs[graph].processes).to.have.keys(['r', 'd']);
    expect(trace.events.filter((e: { command: string }) => e.command === 'data').map((e: { payload: { id: string } }) => e.payload.id))
      .to.deep.equal(['DATA -> IN r()', 'r() OUT -> IN d()']);
    await c.request('trace', 'clear', { graph });
    const empty = await c.request('trace', 'dump', { graph, type: 'flowtrace.json' });
    expect(JSON.parse(empty.payload.flowtrace).events).to.deep.equal([]);
    expect(c.invalid).to.deep.equal([]);
  });

  it('accepts clients without the noflo subprotocol, and leaves other paths alone', async () => {
    const c = await h.connect(undefined, []);
    expect((await c.request('runtime', 'getruntime', {}, 'runtime')).command).to.equal('runtime');
    const noflo = await h.connect();
    expect(noflo.ws.protocol).to.equal('noflo');
    const other = new WebSocket(h.wsUrl.replace('/runtime', '/elsewhere'), 'noflo');
    const failed = await new Promise<boolean>((resolve) => {
      other.once('open', () => resolve(false));
      other.once('error', () => resolve(true));
    });
    expect(failed).to.equal(true);
    // The HTTP server still answers.
    expect((await fetch(`${h.httpUrl}/graph/main.png?input=${encodeURIComponent(h.sampleUrl)}`)).status).to.equal(200);
    expect(h.protocol.clients()).to.be.at.least(2);
  });

  it('formats the Flowhub live-mode link', () => {
    const url = flowhubLiveUrl({ address: 'ws://localhost:3569', id: 'abc', secret: 's3' });
    expect(url).to.equal('https://app.flowhub.io#runtime/endpoint?protocol%3Dwebsocket%26address%3Dws%3A%2F%2Flocalhost%3A3569%26id%3Dabc%26secret%3Ds3');
    expect(decodeURIComponent(url.split('?')[1])).to.equal('protocol=websocket&address=ws://localhost:3569&id=abc&secret=s3');
    expect(flowhubLiveUrl({ address: 'ws://h:1', id: 'abc' })).to.not.include('secret');
  });

  it('links plain ws:// addresses off loopback to http://app.flowhub.io, with a warning', () => {
    for (const address of ['ws://imgflow.example.com:8080/runtime', 'ws://192.168.1.20:8080/runtime', 'ws://[2001:db8::1]:8080/runtime']) {
      expect(flowhubLiveUrl({ address, id: 'abc' }), address).to.match(/^http:\/\/app\.flowhub\.io#runtime\/endpoint\?/);
      expect(flowhubLinkWarning(address), address).to.include('http://app.flowhub.io').and.include('wss://');
    }
    for (const address of ['ws://localhost:8080/runtime', 'ws://127.0.0.1:8080/runtime', 'ws://[::1]:8080/runtime', 'wss://imgflow.example.com/runtime']) {
      expect(flowhubLiveUrl({ address, id: 'abc' }), address).to.match(/^https:\/\/app\.flowhub\.io#/);
      expect(flowhubLinkWarning(address), address).to.equal(undefined);
    }
  });

  it('derives a stable UUID v4-shaped runtime id', () => {
    const id = runtimeIdFrom('ws://example.com:8080/runtime');
    expect(id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(runtimeIdFrom('ws://example.com:8080/runtime')).to.equal(id);
    expect(runtimeIdFrom('ws://other:8080/runtime')).to.not.equal(id);
  });

  it('startStandaloneRuntime serves the protocol on / with a generated secret', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imgflow-standalone-'));
    const rt = await startStandaloneRuntime({ port: 0, host: '127.0.0.1', graphsDir: dir, runtimeId: 'f18a4924-9d4f-414d-a37c-cd24b39bba10', packetComponents: testComponents, validateOutput: 'throw', inputCheck: inputCheckFrom(loadConfig({ logLevel: 'silent' })) });
    try {
      expect(rt.url).to.equal(`ws://127.0.0.1:${rt.port}/`);
      expect(rt.secret).to.match(/^[0-9a-f]{32}$/);
      expect(decodeURIComponent(rt.liveUrl)).to.include(`secret=${rt.secret}`);
      const page = await (await fetch(`http://127.0.0.1:${rt.port}/`)).text();
      expect(page).to.include('app.flowhub.io').and.not.include(rt.secret);
      const c = await TestClient.connect(rt.url, rt.secret);
      const info = await c.request('runtime', 'getruntime', {}, 'runtime');
      expect(info.payload).to.include({ type: 'imgflow', id: 'f18a4924-9d4f-414d-a37c-cd24b39bba10' });
      expect(info.payload.capabilities).to.include('protocol:graph');
      await c.close();
    } finally {
      await rt.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
