import { expect } from 'chai';
import { mkdtemp, writeFile, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGraphSource, openGraphStore, ImgflowError } from '../../runtime/index.ts';

function refused(fn: () => unknown): ImgflowError {
  try {
    fn();
  } catch (err) {
    return err as ImgflowError;
  }
  throw new Error('expected an error');
}

describe('graph model', () => {
  it('loads the .fbp DSL, mapping _ in port names to -', () => {
    const g = parseGraphSource('blur', [
      'INPORT=blur.input:input',
      'INPORT=blur.std_dev_x:std_dev_x',
      'OUTPORT=blur.output:output',
      "'3' -> std_dev_y blur(gegl/gaussian-blur)",
    ].join('\n'), 'fbp');
    expect(g.processes.blur.component).to.equal('gegl/gaussian-blur');
    expect(g.inports!['std-dev-x']).to.include({ process: 'blur', port: 'std-dev-x' });
    expect(g.connections[0]).to.deep.include({ data: '3', tgt: { process: 'blur', port: 'std-dev-y' } });
  });

  it('keeps .fbp header annotations, commas and brackets included', () => {
    const g = parseGraphSource('p', '# @description Blurs, then sharpens (gently)\nINPORT=n.input:input\nOUTPORT=n.output:output\nn(gegl/nop)\n', 'fbp');
    expect(g.properties).to.include({ name: 'p', description: 'Blurs, then sharpens (gently)' });
  });

  it('reports .fbp syntax errors as a 400 naming the graph', () => {
    const err = refused(() => parseGraphSource('bad', 'this is -> not fbp (', 'fbp'));
    expect(err.code).to.equal('IMGFLOW_ERR_GRAPH_INVALID');
    expect(err.statusCode).to.equal(400);
    expect(err.message).to.match(/^Graph bad is invalid/);
  });

  it('reports structural problems naming the node, port or edge', () => {
    const err = refused(() => parseGraphSource('g', JSON.stringify({
      inports: { input: { process: 'ghost', port: 'input' } },
      outports: { output: { process: 'a', port: 'output' } },
      processes: { a: { component: 'gegl/nop' } },
      connections: [{ src: { process: 'nobody', port: 'output' }, tgt: { process: 'a', port: 'input' } }],
    }), 'json'));
    expect(err.details.problems).to.deep.equal([
      'inport input targets unknown node ghost',
      'edge nobody.output -> a.input comes from unknown node nobody',
    ]);
  });

  it('reports schema violations with their JSON path', () => {
    const err = refused(() => parseGraphSource('g', JSON.stringify({ processes: { a: {} }, connections: [] }), 'json'));
    expect(err.message).to.contain("/processes/a must have required property 'component'");
    expect(refused(() => parseGraphSource('g', '{nope', 'json')).message).to.contain('not JSON');
  });

  describe('store', () => {
    let dir: string;
    beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'imgflow-store-')); });
    afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

    it('loads .json and .fbp, gives content revisions, saves atomically and announces changes', async () => {
      await writeFile(join(dir, 'a.fbp'), 'INPORT=n.input:input\nOUTPORT=n.output:output\nn(gegl/nop)\n');
      await writeFile(join(dir, 'broken.json'), '{');
      const errors: string[] = [];
      const store = await openGraphStore({ dir, watch: false, onError: (_e, file) => errors.push(file) });
      expect(store.list().map((e) => e.name)).to.deep.equal(['a']);
      expect(errors).to.deep.equal(['broken.json']);
      const before = store.get('a')!.revision;
      const changes: string[] = [];
      store.on('change', (name) => changes.push(name));
      const graph = { ...store.get('a')!.graph, properties: { name: 'a', description: 'edited' } };
      const saved = await store.put('a', graph);
      expect(saved.revision).to.not.equal(before);
      expect(JSON.parse(await readFile(join(dir, 'a.json'), 'utf8')).properties.description).to.equal('edited');
      expect(changes).to.deep.equal(['a']);
      expect(await store.delete('a')).to.equal(true);
      expect(store.get('a')).to.equal(undefined);
      const bad = await store.put('../evil', graph).catch((e) => e as ImgflowError);
      expect((bad as ImgflowError).code).to.equal('IMGFLOW_ERR_GRAPH_INVALID');
      store.close();
    });
  });
});
