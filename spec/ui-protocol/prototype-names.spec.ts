/** Protocol, node and metadata names that are Object.prototype members are plain names over the FBP protocol. */
import { expect } from 'chai';
import { startHarness, FULL, type Harness } from './_fixtures/harness.ts';
import type { TestClient } from './_fixtures/client.ts';
import { PROTOTYPE_NAMES } from '../_helpers/prototype-names.ts';

describe('ui-protocol: prototype names', function () {
  this.timeout(20000);
  let h: Harness;
  let c: TestClient;
  before(async () => {
    h = await startHarness();
    c = await h.connect();
  });
  after(async () => h?.close());

  it('answers each as a protocol with "Unknown protocol"', async () => {
    for (const name of PROTOTYPE_NAMES) {
      const reply = await c.request(name, 'name', {});
      expect(reply, name).to.include({ protocol: 'runtime', command: 'error' });
      expect(reply.payload.message, name).to.equal(`Unknown protocol ${name}`);
    }
  });

  it('creates, changes and saves nodes with each as id, and __proto__ metadata stays a key', async () => {
    await c.request('graph', 'clear', { id: 'protos', name: 'protos' });
    for (const id of PROTOTYPE_NAMES) {
      const added = await c.request('graph', 'addnode', { id, component: 'imgflow/negate', graph: 'protos' });
      expect(added.command, `${id}: ${JSON.stringify(added.payload)}`).to.equal('addnode');
    }
    await c.request('network', 'persist', {}, 'output');
    const saved = JSON.parse(h.runtime.store.get('protos')!.source) as { processes: Record<string, unknown> };
    expect(Object.keys(saved.processes).sort()).to.deep.equal([...PROTOTYPE_NAMES]);

    const mark = c.sendRaw(`{"protocol":"graph","command":"changenode","payload":{"graph":"protos","id":"__proto__","metadata":{"__proto__":{"x":1},"label":"p"},"secret":"${FULL}"}}`);
    const changed = await c.waitFor((m) => m.protocol === 'graph' && (m.command === 'changenode' || m.command === 'error'), mark);
    expect(changed.command).to.equal('changenode');
    const metadata = changed.payload.metadata as Record<string, unknown>;
    expect(Object.hasOwn(metadata, '__proto__')).to.equal(true);
    expect(metadata.label).to.equal('p');
    const removed = await c.request('graph', 'removenode', { id: 'constructor', graph: 'protos' });
    expect(removed.command).to.equal('removenode');
    expect(h.problems).to.deep.equal([]);
  });
});
