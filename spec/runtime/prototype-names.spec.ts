/** Graph documents and values that use Object.prototype names: refused with codes or used as plain names. */
import { expect } from 'chai';
import { coerceParam, compileGraph, inlineSubgraphs, parseParams, type GraphJson, type ImgflowError } from '../../runtime/index.ts';
import { registry, singleNodeGraph } from '../_helpers/graphs.ts';
import { PROTOTYPE_NAMES } from '../_helpers/prototype-names.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as ImgflowError).code ?? `uncoded: ${(err as Error).message}`;
  }
  return undefined;
}

/** The graph text with `"__proto__"` kept as a key, as JSON.parse and every client produce it. */
const fromJson = (text: string) => JSON.parse(text) as GraphJson;

describe('runtime: prototype names in graphs and values', () => {
  it('refuses an IIP or an exported port aimed at a port named like a prototype member', () => {
    for (const name of PROTOTYPE_NAMES) {
      const iip = singleNodeGraph('gegl/gaussian-blur');
      iip.connections.push({ data: 1, tgt: { process: 'op', port: name } });
      expect(codeOf(() => compileGraph('g', iip, registry)), `IIP to ${name}`).to.equal('IMGFLOW_ERR_GRAPH_INVALID');
      const exported = fromJson(JSON.stringify(singleNodeGraph('gegl/gaussian-blur')).replace('"inports":{', `"inports":{"p":{"process":"op","port":${JSON.stringify(name)}},`));
      expect(codeOf(() => compileGraph('g', exported, registry)), `inport to ${name}`).to.equal('IMGFLOW_ERR_GRAPH_INVALID');
    }
  });

  it('refuses references to nodes that do not exist even when the graph was never validated', () => {
    for (const name of PROTOTYPE_NAMES) {
      const g = singleNodeGraph('gegl/gaussian-blur');
      g.connections.push({ src: { process: name, port: 'output' }, tgt: { process: 'op', port: 'input' } });
      expect(codeOf(() => compileGraph('g', g, registry)), name).to.equal('IMGFLOW_ERR_GRAPH_INVALID');
      const out = singleNodeGraph('gegl/gaussian-blur');
      out.outports = { output: { process: name, port: 'output' } };
      expect(codeOf(() => compileGraph('g', out, registry)), name).to.equal('IMGFLOW_ERR_GRAPH_INVALID');
    }
  });

  it('refuses subgraph ports that the subgraph does not export', () => {
    const inner = singleNodeGraph('gegl/gaussian-blur');
    const resolve = (c: string) => (c === 'graphs/inner' ? { graph: inner, revision: '1' } : undefined);
    for (const name of PROTOTYPE_NAMES) {
      const outer: GraphJson = {
        inports: { input: { process: 'sub', port: 'input' }, p: { process: 'sub', port: name } },
        outports: { output: { process: 'sub', port: 'output' } },
        processes: { sub: { component: 'graphs/inner' } },
        connections: [],
      };
      expect(codeOf(() => inlineSubgraphs('outer', outer, resolve, new Map())), name).to.equal('IMGFLOW_ERR_GRAPH_INVALID');
    }
  });

  it('refuses each name as a colour', () => {
    for (const name of PROTOTYPE_NAMES) {
      expect(codeOf(() => coerceParam('c', { type: 'color', description: 'a colour' }, name)), name).to.equal('IMGFLOW_ERR_PARAM_INVALID');
    }
  });

  it('keeps a parameter named __proto__ as an own value, not a prototype', () => {
    const g = fromJson(JSON.stringify(singleNodeGraph('gegl/gaussian-blur')).replace('"inports":{', '"inports":{"__proto__":{"process":"op","port":"std-dev-x"},'));
    const plan = compileGraph('g', g, registry);
    expect([...plan.parameters.keys()]).to.include('__proto__');
    const params = parseParams(plan, JSON.parse('{"__proto__": "2.5"}'));
    expect(Object.hasOwn(params, '__proto__')).to.equal(true);
    expect(params['__proto__']).to.equal(2.5);
    expect(codeOf(() => parseParams(plan, JSON.parse('{"__proto__": "x"}')))).to.equal('IMGFLOW_ERR_PARAM_INVALID');
  });
});
