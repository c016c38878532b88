/** Flowhub is told, in its console, about GEGL properties a graph sets that are not honoured. */
import { expect } from 'chai';
import { startHarness, type Harness } from '../ui-protocol/_fixtures/harness.ts';

describe('imgflo graphs in Flowhub', function () {
  this.timeout(20000);
  let h: Harness;

  before(async () => {
    h = await startHarness({
      blur: {
        inports: { input: { process: 'b', port: 'input' } },
        outports: { output: { process: 'b', port: 'output' } },
        processes: { b: { component: 'gegl/gaussian-blur' } },
        connections: [{ data: false, tgt: { process: 'b', port: 'clip-extent' } }],
      },
    });
  });
  after(() => h?.close());

  it('shows a network:output note for an ignored property', async () => {
    const c = await h.connect();
    const mark = c.send('network', 'start', { graph: 'blur' });
    const note = await c.waitFor((m) => m.protocol === 'network' && m.command === 'output' && String(m.payload.message).includes('clip-extent'), mark);
    expect(note.payload.message).to.contain('b.clip-extent (gegl/gaussian-blur) is accepted but not honoured');
    await c.waitFor((m) => m.command === 'status' && m.payload.graph === 'blur' && m.payload.running === false, mark);
    await c.request('network', 'stop', { graph: 'blur' }, 'stopped');
  });
});
