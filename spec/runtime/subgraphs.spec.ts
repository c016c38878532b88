import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createRuntime, type Runtime, type ImgflowError } from '../../runtime/index.ts';
import type { GraphJson } from '../../runtime/graph.ts';
import { pixels, maxDiff, testPng } from '../_helpers/images.ts';

/** input -> blur (std-dev 3 by IIP, exported as `amount`) -> output */
const blurry: GraphJson = {
  properties: { name: 'blurry', description: 'A soft blur' },
  inports: {
    input: { process: 'blur', port: 'input' },
    amount: { process: 'blur', port: 'std-dev-x', metadata: { description: 'How soft' } },
  },
  outports: { output: { process: 'blur', port: 'output' } },
  processes: { blur: { component: 'imgflow/gaussian-blur' } },
  connections: [
    { data: 3, tgt: { process: 'blur', port: 'std-dev-x' } },
    { data: 3, tgt: { process: 'blur', port: 'std-dev-y' } },
  ],
};

/** input -> graphs/blurry -> negate -> output, `soft` exported to the subgraph's amount */
const outer: GraphJson = {
  properties: { name: 'outer' },
  inports: { input: { process: 'soft', port: 'input' }, soft: { process: 'soft', port: 'amount' } },
  outports: { output: { process: 'neg', port: 'output' } },
  processes: { soft: { component: 'graphs/blurry' }, neg: { component: 'imgflow/negate' } },
  connections: [{ src: { process: 'soft', port: 'output' }, tgt: { process: 'neg', port: 'input' } }],
};

describe('graphs used as components (subgraphs)', () => {
  let dir: string;
  let runtime: Runtime;
  let input: Buffer;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imgflow-sub-'));
    await writeFile(join(dir, 'blurry.json'), JSON.stringify(blurry));
    await writeFile(join(dir, 'outer.json'), JSON.stringify(outer));
    runtime = await createRuntime({ graphsDir: dir, watch: false });
    input = await testPng(48, 32);
  });
  afterEach(async () => {
    runtime.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('inlines the subgraph, fusing across its boundary, and equals the flat computation', async () => {
    const prepared = runtime.prepare('outer', {});
    const stages = prepared.plan.stages.map((s) => s.nodes);
    expect(stages).to.deep.equal([['soft/blur', 'neg']]);
    const result = await runtime.evaluate(prepared, { input, format: 'png' });
    expect(result.stats).to.deep.equal({ decodes: 1, encodes: 1, pipelines: 1 });
    const want = await pixels(await sharp(input).blur(3).negate().png().toBuffer());
    expect(maxDiff(await pixels(result.bytes), want)).to.equal(0);
  });

  it("exposes the subgraph's parameter through the outer graph's port, with its description", async () => {
    const info = runtime.describe('outer');
    expect(info.parameters.find((p) => p.name === 'soft')).to.include({ type: 'number', description: 'How soft', default: 3 });
    const prepared = runtime.prepare('outer', { soft: '1' });
    expect(prepared.params).to.deep.equal({ soft: 1 });
    const result = await runtime.evaluate(prepared, { input, format: 'png' });
    // std-dev-x 1 with std-dev-y 3: less horizontal blur than the default, so not equal to it.
    const byDefault = await runtime.evaluate(runtime.prepare('outer', {}), { input, format: 'png' });
    expect(maxDiff(await pixels(result.bytes), await pixels(byDefault.bytes))).to.be.greaterThan(0);
  });

  it("lets an IIP on the subgraph node override the subgraph's own", async () => {
    const g = { ...outer, inports: { input: outer.inports!.input }, connections: [...outer.connections, { data: 0, tgt: { process: 'soft', port: 'amount' } }] };
    await runtime.store.put('outer2', g);
    const plan = runtime.plan('outer2');
    expect(plan.nodes.get('soft/blur')!.params['std-dev-x']).to.equal(0);
  });

  it("gives results a new revision when the subgraph changes", async () => {
    const before = runtime.revision('outer');
    expect(before).to.not.equal(runtime.entry('outer').revision);
    await runtime.store.put('blurry', { ...blurry, properties: { name: 'blurry', description: 'edited' } });
    expect(runtime.revision('outer')).to.not.equal(before);
  });

  it('refuses a graph that contains itself, and names the loop', async () => {
    await runtime.store.put('loop', { ...outer, processes: { soft: { component: 'graphs/loop' }, neg: { component: 'imgflow/negate' } } });
    let err: ImgflowError | undefined;
    try { runtime.plan('loop'); } catch (e) { err = e as ImgflowError; }
    expect(err?.code).to.equal('IMGFLOW_ERR_GRAPH_INVALID');
    expect(err?.message).to.contain('contains itself: graphs/loop -> graphs/loop');
  });

  it('names a port the subgraph does not export', async () => {
    await runtime.store.put('bad', { ...outer, connections: [...outer.connections, { data: 1, tgt: { process: 'soft', port: 'nonesuch' } }] });
    expect(() => runtime.plan('bad')).to.throw(/subgraph graphs\/blurry \(node soft\) has no inport nonesuch/);
  });
});
