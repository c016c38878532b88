/** Flowhub's component list says which graphs run as jobs, and on which queue. */
import { expect } from 'chai';
import { startHarness, mainGraph, type Harness } from './_fixtures/harness.ts';

describe('Flowhub: classes of work in component:list', function () {
  let h: Harness;
  before(async () => {
    const dreamy = { ...mainGraph, properties: { name: 'dreamy', description: 'Greyscale, queued', imgflow: { class: 'job', queue: 'heavy' } } };
    h = await startHarness({ main: mainGraph, dreamy });
  });
  after(async () => h?.close());

  it('describes a job-class graph with its queue and reason; inline graphs as before', async () => {
    const client = await h.connect();
    const mark = client.send('component', 'list');
    await client.waitFor((m) => m.command === 'componentsready', mark);
    const components = client.received.slice(mark).filter((m) => m.command === 'component').map((m) => m.payload);
    expect(components.find((c) => c.name === 'graphs/dreamy')?.description).to.equal('Greyscale, queued [job on queue heavy: property]');
    expect(components.find((c) => c.name === 'graphs/main')?.description).to.equal('Greyscale');
    expect(client.invalid).to.deep.equal([]);
  });
});
