/** Classes of work: which graphs run inline and which become jobs, on which queue, and why. */
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, parseClassOverrides, type ImgflowError, type Runtime, type WorkClassOptions } from '../../runtime/index.ts';
import type { GraphJson } from '../../runtime/graph.ts';
import { chainGraph, singleNodeGraph } from '../_helpers/graphs.ts';

const blur = singleNodeGraph('imgflow/gaussian-blur', { 'std-dev-x': 2, 'std-dev-y': 2 });

async function runtimeWith(graphs: Record<string, GraphJson>, workClasses?: WorkClassOptions): Promise<{ runtime: Runtime; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'imgflow-class-'));
  for (const [name, g] of Object.entries(graphs)) await writeFile(join(dir, `${name}.json`), JSON.stringify(g));
  return { runtime: await createRuntime({ graphsDir: dir, watch: false, workClasses }), dir };
}

describe('work classes', () => {
  const opened: { runtime: Runtime; dir: string }[] = [];
  const open = async (graphs: Record<string, GraphJson>, options?: WorkClassOptions) => {
    const r = await runtimeWith(graphs, options);
    opened.push(r);
    return r.runtime;
  };
  after(async () => {
    for (const r of opened) {
      await r.runtime.close();
      await rm(r.dir, { recursive: true, force: true });
    }
  });

  it('a cheap graph runs inline; any deepdream node (even inside a subgraph) makes a job on queue deepdream', async () => {
    const dream = singleNodeGraph('imgflow/deepdream');
    const wrapper: GraphJson = { ...singleNodeGraph('graphs/dream'), properties: { name: 'wrapper' } };
    const runtime = await open({ blur, dream, wrapper });
    expect(runtime.workClass('blur')).to.include({ class: 'inline', reason: 'default' });
    expect(runtime.workClass('dream')).to.include({ class: 'job', queue: 'deepdream', reason: 'deepdream' });
    expect(runtime.workClass('wrapper')).to.include({ class: 'job', queue: 'deepdream', reason: 'deepdream' });
    expect(runtime.describe('dream').work).to.include({ class: 'job', queue: 'deepdream' });
  });

  it('an estimated cost over the threshold makes a job on heavy: operation costs x assumed pixels', async () => {
    const avif = chainGraph([['imgflow/resize', { width: 100 }], ['imgflow/encode-avif', {}]]);
    const cheap = await open({ avif, blur }, { costThresholdMs: 5000, costPixels: 2_000_000 });
    const w = cheap.workClass('avif');
    expect(w).to.include({ class: 'job', queue: 'heavy', reason: 'cost' });
    expect(w.estimatedMs).to.be.greaterThan(5000);
    expect(cheap.workClass('blur').estimatedMs).to.be.lessThan(5000);
    // Fewer assumed pixels: the same graph is cheap enough to run inline.
    const small = await open({ avif }, { costThresholdMs: 5000, costPixels: 100_000 });
    expect(small.workClass('avif')).to.include({ class: 'inline', reason: 'default' });
  });

  it('properties.imgflow forces the class (queue defaults to heavy); config overrides the graph', async () => {
    const forced: GraphJson = { ...blur, properties: { imgflow: { class: 'job', queue: 'slow-lane' } } };
    const forcedDefault: GraphJson = { ...blur, properties: { imgflow: { class: 'job' } } };
    const dreamInline: GraphJson = { ...singleNodeGraph('imgflow/deepdream'), properties: { imgflow: { class: 'inline' } } };
    const overrides = parseClassOverrides('blur=special,forced=inline');
    const runtime = await open({ blur, forced, forcedDefault, dreamInline }, { costThresholdMs: 5000, costPixels: 1e6, overrides });
    expect(runtime.workClass('forcedDefault')).to.include({ class: 'job', queue: 'heavy', reason: 'property' });
    expect(runtime.workClass('dreamInline')).to.include({ class: 'inline', reason: 'property' });
    expect(runtime.workClass('blur')).to.include({ class: 'job', queue: 'special', reason: 'config' });
    expect(runtime.workClass('forced')).to.include({ class: 'inline', reason: 'config' });
  });

  it('a malformed properties.imgflow is a 400 naming the problem; bad overrides are listed', async () => {
    const bad: GraphJson = { ...blur, properties: { imgflow: { class: 'job', queue: 'Bad Queue!' } } };
    const runtime = await open({ bad });
    let err: ImgflowError | undefined;
    try {
      runtime.workClass('bad');
    } catch (e) {
      err = e as ImgflowError;
    }
    expect(err?.code).to.equal('IMGFLOW_ERR_GRAPH_INVALID');
    expect(err?.message).to.contain('properties.imgflow.queue');
    const problems: string[] = [];
    parseClassOverrides('ok=inline,nope,x=Bad!', problems);
    expect(problems).to.have.length(2);
  });
});
