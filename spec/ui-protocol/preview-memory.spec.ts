/**
 * Preview runs keep their node images, so an edit re-runs only the node it changes and what
 * lies downstream: real operations on a real sample, every reused run checked against a run
 * that computes everything; then the same through the protocol, as Flowhub drives it.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { bytesKey, createRuntime, type GraphJson, type Runtime } from '../../runtime/index.ts';
import { createPreviewMemory, type PreviewMemory } from '../../ui-protocol/preview-memory.ts';
import { runPreview, type PreviewRun } from '../../ui-protocol/previews.ts';
import { noiseRaw } from '../_helpers/images.ts';
import { startHarness, type Harness } from './_fixtures/harness.ts';
import type { TestClient } from './_fixtures/client.ts';

/** blur -> sepia (a kernel) -> crop, with the IIPs given. */
function chain(blur: number, cropWidth: number): GraphJson {
  return {
    properties: { name: 'chain' },
    processes: {
      blur: { component: 'imgflow/gaussian-blur' },
      sepia: { component: 'imgflow/sepia' },
      crop: { component: 'imgflow/crop' },
    },
    connections: [
      { src: { process: 'blur', port: 'output' }, tgt: { process: 'sepia', port: 'input' } },
      { src: { process: 'sepia', port: 'output' }, tgt: { process: 'crop', port: 'input' } },
      { data: blur, tgt: { process: 'blur', port: 'std-dev-x' } },
      { data: cropWidth, tgt: { process: 'crop', port: 'width' } },
      { data: 90, tgt: { process: 'crop', port: 'height' } },
    ],
  };
}

describe('preview memory: an edit re-runs only what it changes', function () {
  this.timeout(30000);
  let dir: string;
  let runtime: Runtime;
  let sample: Buffer;
  let other: Buffer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imgflow-preview-memory-'));
    runtime = await createRuntime({ graphsDir: dir, watch: false, concurrency: 2 });
    sample = await sharp(noiseRaw(240, 160), { raw: { width: 240, height: 160, channels: 3 } }).png().toBuffer();
    other = await sharp(noiseRaw(240, 160, 3, 7), { raw: { width: 240, height: 160, channels: 3 } }).png().toBuffer();
  });
  after(async () => {
    await runtime?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const preview = async (graph: GraphJson, input: Buffer, memory?: PreviewMemory, id = 'chain'): Promise<PreviewRun> => {
    const memo = memory?.begin(id, bytesKey(input));
    const run = await runPreview({ runtime, graphId: id, graph, input, params: {}, size: 64, signal: new AbortController().signal, limitInputPixels: 1e8, memo });
    expect(run.error).to.equal(undefined);
    memo?.commit();
    return run;
  };
  /** Every node's preview, as a run that computes everything makes it. */
  const urls = (run: PreviewRun) => Object.fromEntries(['blur', 'sepia', 'crop'].map((id) => [id, run.previews.get(id)?.url]));

  it('keeps the nodes upstream of an edit, and their images are the ones a full run makes', async () => {
    const memory = createPreviewMemory(64 * 1024 * 1024);
    const first = await preview(chain(2, 100), sample, memory);
    expect(first.reuse).to.deep.equal({ nodes: [], of: 3 });
    expect(memory.bytes).to.be.above(0);

    const cropEdit = await preview(chain(2, 60), sample, memory);
    expect(cropEdit.reuse).to.deep.equal({ nodes: ['blur', 'sepia'], of: 3 });
    expect(urls(cropEdit)).to.deep.equal(urls(await preview(chain(2, 60), sample)));
    expect(cropEdit.previews.get('crop')).to.include({ width: 60, height: 90 });

    // An edit upstream invalidates everything below it.
    const blurEdit = await preview(chain(3, 60), sample, memory);
    expect(blurEdit.reuse).to.deep.equal({ nodes: [], of: 3 });
    expect(urls(blurEdit)).to.deep.equal(urls(await preview(chain(3, 60), sample)));
    expect(urls(blurEdit).blur).to.not.equal(urls(cropEdit).blur);

    // The same graph again: nothing to run.
    expect((await preview(chain(3, 60), sample, memory)).reuse).to.deep.equal({ nodes: ['blur', 'sepia', 'crop'], of: 3 });
    // Another sample: nothing holds.
    const resampled = await preview(chain(3, 60), other, memory);
    expect(resampled.reuse).to.deep.equal({ nodes: [], of: 3 });
    expect(urls(resampled)).to.deep.equal(urls(await preview(chain(3, 60), other)));
  });

  it('keeps nothing at 0 bytes or past the budget; the graph run least recently gives its images up first', async () => {
    const off = createPreviewMemory(0);
    await preview(chain(2, 100), sample, off);
    expect((await preview(chain(2, 100), sample, off)).reuse?.nodes).to.deep.equal([]);
    expect(off.bytes).to.equal(0);

    const measure = createPreviewMemory(64 * 1024 * 1024);
    await preview(chain(2, 100), sample, measure);
    const one = measure.bytes;
    const tight = createPreviewMemory(one - 1);
    await preview(chain(2, 100), sample, tight);
    expect(tight.bytes).to.equal(0);
    expect((await preview(chain(2, 100), sample, tight)).reuse?.nodes).to.deep.equal([]);

    const room = createPreviewMemory(one);
    await preview(chain(2, 100), sample, room, 'a');
    await preview(chain(2, 100), sample, room, 'b');
    expect([room.graphs, room.bytes]).to.deep.equal([1, one]);
    expect((await preview(chain(2, 100), sample, room, 'a')).reuse?.nodes, 'a was dropped for b').to.deep.equal([]);
    expect((await preview(chain(2, 100), sample, room, 'a')).reuse?.nodes).to.deep.equal(['blur', 'sepia', 'crop']);
    room.drop('a');
    expect([room.graphs, room.bytes]).to.deep.equal([0, 0]);
  });
});

describe('preview memory through the protocol', function () {
  this.timeout(30000);
  let h: Harness;
  let client: TestClient;
  const graph = 'chain';

  before(async () => {
    h = await startHarness({ main: chain(2, 100), chain: chain(2, 100) });
    client = await h.connect();
  });
  after(async () => {
    await h?.close();
  });

  it('says in debug mode which nodes a run kept; the edge above the edit carries the same image', async () => {
    const debug = await client.request('network', 'debug', { graph, enable: true }, 'status');
    expect(debug.payload).to.include({ graph, debug: true });
    await client.request('network', 'edges', { graph, edges: [{ src: { node: 'sepia', port: 'output' }, tgt: { node: 'crop', port: 'input' } }] }, 'edges');
    const isSummary = (m: { command: string; payload: Record<string, unknown> }) => m.command === 'output' && String(m.payload.message).startsWith('preview:');
    let mark = client.send('network', 'start', { graph });
    expect((await client.waitFor(isSummary, mark)).payload.message).to.equal('preview: 3 of 3 nodes run, none kept from the last run');
    const before = await client.waitFor((m) => m.command === 'data', mark);
    await client.waitFor((m) => m.command === 'status' && m.payload.running === false, mark);

    mark = client.send('graph', 'removeinitial', { tgt: { node: 'crop', port: 'width' }, graph });
    client.send('graph', 'addinitial', { src: { data: 50 }, tgt: { node: 'crop', port: 'width' }, graph });
    expect((await client.waitFor(isSummary, mark)).payload.message).to.equal('preview: 1 of 3 nodes run, blur, sepia kept from the last run');
    const after = await client.waitFor((m) => m.command === 'data', mark);
    expect(after.payload.data).to.deep.equal(before.payload.data);
    await client.request('network', 'stop', { graph }, 'stopped');
  });
});
