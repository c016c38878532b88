/**
 * Flowhub edits meet the graph limits HTTP enforces (one check), edits are written coalesced
 * and atomically, and a client's backlog and message size are bounded.
 */
import { expect } from 'chai';
import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import WebSocket from 'ws';
import type { GraphJson } from '../../runtime/index.ts';
import { createProtocolRuntime } from '../../ui-protocol/index.ts';
import { inputCheckFrom } from '../../server/runtime-options.ts';
import { loadConfig } from '../../server/config.ts';
import { mainGraph, startHarness, type Harness } from './_fixtures/harness.ts';
import type { TestClient } from './_fixtures/client.ts';

const JWT_SECRET = 'limits-spec-jwt-secret-0123456789abcdef';

/** in -> a -> b -> ... -> out, all gegl/nop: `n` nodes. */
function chain(n: number): GraphJson {
  const ids = Array.from({ length: n }, (_, i) => `n${i}`);
  return {
    inports: { input: { process: ids[0], port: 'input' } },
    outports: { output: { process: ids[n - 1], port: 'output' } },
    processes: Object.fromEntries(ids.map((id) => [id, { component: 'gegl/nop' }])),
    connections: ids.slice(1).map((id, i) => ({ src: { process: ids[i], port: 'output' }, tgt: { process: id, port: 'input' } })),
  };
}

const savedNodes = async (h: Harness, name: string) => Object.keys(JSON.parse(await readFile(join(h.dir, `${name}.json`), 'utf8')).processes).sort();

describe('ui-protocol: graph limits, coalesced saves, bounded clients', function () {
  describe('with IMGFLOW_MAX_NODES=3 and IMGFLOW_MAX_GRAPH_BYTES=4096', () => {
    let h: Harness;
    let client: TestClient;
    before(async () => {
      h = await startHarness({ main: mainGraph, three: chain(3) }, { maxNodes: 3, maxGraphBytes: 4096, jwtSecret: JWT_SECRET });
      client = await h.connect();
    });
    after(() => h.close());

    it('refuses the addnode past the limit with a coded graph:error and saves nothing of it', async () => {
      const graph = 'main';
      for (const id of ['a1', 'a2']) expect((await client.request('graph', 'addnode', { id, component: 'gegl/nop', graph })).command).to.equal('addnode');
      const refused = await client.request('graph', 'addnode', { id: 'a3', component: 'gegl/nop', graph });
      expect(refused.protocol).to.equal('graph');
      expect(refused.command).to.equal('error');
      expect(refused.payload.code).to.equal('IMGFLOW_ERR_GRAPH_TOO_LARGE');
      expect(refused.payload.message).to.match(/has 4 nodes; the limit is 3/);
      // Too big in bytes (a huge initial value) is refused the same way.
      const big = await client.request('graph', 'addinitial', { src: { data: 'x'.repeat(5000) }, tgt: { node: 'a1', port: 'input' }, graph });
      expect(big.command).to.equal('error');
      expect(big.payload.code).to.equal('IMGFLOW_ERR_GRAPH_FILE_TOO_LARGE');

      expect((await client.request('network', 'persist', {}, 'output')).command).to.equal('output');
      expect(await savedNodes(h, 'main')).to.deep.equal(['a1', 'a2', 'grey']);
      expect(Object.keys(h.runtime.store.get('main')!.graph.processes)).to.have.members(['a1', 'a2', 'grey']);
      // What the runtime kept, HTTP serves (no 413 for a graph Flowhub saved).
      const res = await fetch(`${h.httpUrl}/graph/main.png?input=${encodeURIComponent(h.sampleUrl)}`);
      expect(res.status).to.equal(200);
    });

    it('the admin upload and the runtime refuse the same graphs, subgraphs counted inlined', async () => {
      const admin = (name: string, graph: GraphJson) => fetch(`${h.httpUrl}/admin/graphs/${name}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${jwt.sign({ admin: true }, JWT_SECRET, { algorithm: 'HS256', expiresIn: 60 })}`, 'content-type': 'application/json' },
        body: JSON.stringify(graph),
      });
      const tooMany = await admin('four', chain(4));
      expect(tooMany.status).to.equal(413);
      const adminError = await tooMany.json() as { code: string; message: string };
      expect(adminError.code).to.equal('IMGFLOW_ERR_GRAPH_TOO_LARGE');
      expect((await admin('fits', chain(3))).status).to.equal(201);

      // The same four nodes drawn in Flowhub: the fourth is refused with the same code and text.
      expect((await client.request('graph', 'clear', { id: 'four' })).command).to.equal('clear');
      for (let i = 0; i < 3; i++) expect((await client.request('graph', 'addnode', { id: `n${i}`, component: 'gegl/nop', graph: 'four' })).command).to.equal('addnode');
      const refused = await client.request('graph', 'addnode', { id: 'n3', component: 'gegl/nop', graph: 'four' });
      expect(refused.payload.code).to.equal(adminError.code);
      expect(refused.payload.message).to.equal(adminError.message);

      // graphs/three holds 3 nodes: one more node beside it is 4 once inlined, for both.
      const wrapper: GraphJson = {
        inports: { input: { process: 'sub', port: 'input' } },
        outports: { output: { process: 'last', port: 'output' } },
        processes: { sub: { component: 'graphs/three' }, last: { component: 'gegl/nop' } },
        connections: [{ src: { process: 'sub', port: 'output' }, tgt: { process: 'last', port: 'input' } }],
      };
      const adminWrapped = await admin('wrapped', wrapper);
      expect(adminWrapped.status).to.equal(413);
      expect((await client.request('graph', 'clear', { id: 'wrapped' })).command).to.equal('clear');
      expect((await client.request('graph', 'addnode', { id: 'last', component: 'gegl/nop', graph: 'wrapped' })).command).to.equal('addnode');
      const sub = await client.request('graph', 'addnode', { id: 'sub', component: 'graphs/three', graph: 'wrapped' });
      expect(sub.payload.code).to.equal('IMGFLOW_ERR_GRAPH_TOO_LARGE');
      expect((await client.request('network', 'persist', {}, 'output')).command).to.equal('output');
      expect(await savedNodes(h, 'wrapped')).to.deep.equal(['last']);
    });
  });

  describe('a burst of edits', () => {
    let h: Harness;
    before(async () => { h = await startHarness({ main: mainGraph }, { maxNodes: 5000, graphSaveDelayMs: 500 }); });
    after(() => h.close());

    it('2,000 addnode edits become a few atomic writes of the latest graph', async function () {
      // Generous for a loaded machine: this counts writes, it does not time them.
      this.timeout(120_000);
      const client = await h.connect();
      const file = join(h.dir, 'main.json');
      let hookWrites = 0;
      h.runtime.store.on('write', (name) => { if (name === 'main') hookWrites++; });
      // Independent of the hook: every atomic save renames a file onto main.json.
      let renames = 0;
      const watcher = watch(h.dir, (event, name) => { if (event === 'rename' && name === 'main.json') renames++; });
      // Meanwhile a reader keeps parsing the file: it must never see half a graph.
      let reading = true, reads = 0, torn = 0;
      const reader = (async () => {
        while (reading) {
          const text = await readFile(file, 'utf8');
          reads++;
          try { JSON.parse(text); } catch { torn++; }
          await new Promise((r) => setTimeout(r, 20));
        }
      })();

      const N = 2000;
      const mark = client.received.length;
      try {
        for (let i = 0; i < N; i++) client.send('graph', 'addnode', { id: `n${i}`, component: 'gegl/nop', graph: 'main' });
        const last = await client.waitFor((m) => m.protocol === 'graph' && (m.command === 'error' || (m.command === 'addnode' && m.payload.id === `n${N - 1}`)), mark, 100_000);
        expect(last.command).to.equal('addnode');
        expect((await client.request('network', 'persist', {}, 'output')).command).to.equal('output');
      } finally {
        // Also when the burst fails: a reader left running outlives the harness's directory and
        // its ENOENT would surface as an uncaught rejection that ends the whole mocha run.
        reading = false;
        await reader;
        await new Promise((r) => setTimeout(r, 100));
        watcher.close();
      }

      expect(client.received.slice(mark).filter((m) => m.command === 'error')).to.deep.equal([]);
      expect(await savedNodes(h, 'main')).to.have.length(N + 1);
      expect(Object.keys(h.runtime.store.get('main')!.graph.processes)).to.have.length(N + 1);
      expect(reads).to.be.above(0);
      expect(torn).to.equal(0);
      // One write per IMGFLOW_GRAPH_SAVE_DELAY_MS at most (plus the flush): the burst's length bounds them.
      expect(renames).to.be.within(1, N / 20);
      expect(hookWrites).to.be.within(1, N / 20);
    });
  });

  it('drops the queued messages of a client that left', async () => {
    const h = await startHarness({ main: mainGraph });
    try {
      const rt = createProtocolRuntime({ runtime: h.runtime, secrets: { full: 's' }, runtimeId: 'x', inputCheck: inputCheckFrom(loadConfig({ logLevel: 'silent' })) });
      const conn = rt.connect(() => {});
      let done: Promise<void> = Promise.resolve();
      for (let i = 0; i < 500; i++) done = conn.receive(JSON.stringify({ protocol: 'graph', command: 'addnode', payload: { id: `n${i}`, component: 'gegl/nop', graph: 'main', secret: 's' } }));
      conn.close();
      await done;
      await rt.close();
      expect(Object.keys(h.runtime.store.get('main')!.graph.processes)).to.deep.equal(['grey']);
    } finally {
      await h.close();
    }
  });

  it('closes the connection of a message over IMGFLOW_RUNTIME_MAX_MESSAGE_BYTES (1009)', async () => {
    const h = await startHarness({ main: mainGraph }, { runtimeMaxMessageBytes: 64 * 1024 });
    let timer: NodeJS.Timeout | undefined;
    try {
      const client = await h.connect();
      const closed = new Promise<number>((resolve, reject) => {
        timer = setTimeout(() => reject(new Error('connection not closed')), 5000);
        client.ws.once('close', (code) => { clearTimeout(timer); resolve(code); });
      });
      // Awaited below; if an earlier step fails first, its rejection must not end the whole run.
      closed.catch(() => undefined);
      const small = await client.request('graph', 'addnode', { id: 'ok', component: 'gegl/nop', graph: 'main', metadata: { note: 'y'.repeat(60 * 1024) } });
      expect(small.command).to.equal('addnode');
      client.send('graph', 'addnode', { id: 'big', component: 'gegl/nop', graph: 'main', metadata: { note: 'x'.repeat(70 * 1024) } });
      expect(await closed).to.equal(1009);
      expect(client.ws.readyState).to.equal(WebSocket.CLOSED);
    } finally {
      clearTimeout(timer);
      await h.close();
    }
  });
});
