import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { kernelAliases, kernelOperations } from '../../operations/kernels/catalog.ts';

/** Graphs written with the kernel operations (issue 5). */
const GRAPHS = ['gradientmap', 'retro', 'halodarken', 'motionblur', 'enhancelowres', '1977', 'brannan', 'hefe', 'lordkelvin', 'nashville', 'xproii'];

/** The sharp-based and plain-JS operations and GEGL aliases these graphs use, with the ports we rely on. */
const SHARP: Record<string, string[]> = {
  'imgflow/nop': [], 'gegl/nop': [],
  'gegl/noise-reduction': ['iterations'],
  'imgflow/modulate': ['brightness', 'saturation', 'hue', 'lightness'],
  'gegl/gaussian-blur': ['std-dev-x', 'std-dev-y'],
  'gegl/gray': [],
  'gegl/brightness-contrast': ['brightness', 'contrast'],
  // A process operation since it became a convolution (GEGL's bilinear samples, fast along axes).
  'gegl/motion-blur-linear': ['length', 'angle'],
};

interface Graph {
  properties: { name: string; description: string };
  inports: Record<string, { process: string; port: string; metadata?: { description?: string } }>;
  outports: Record<string, { process: string; port: string }>;
  processes: Record<string, { component: string }>;
  connections: Array<{ data?: unknown; src?: { process: string; port: string }; tgt: { process: string; port: string } }>;
}

/** Ports (image and parameter) a component accepts, or undefined when it is unknown. */
function portsOf(component: string): string[] | undefined {
  const imgflow = component.startsWith('imgflow/') ? kernelOperations.find((o) => `imgflow/${o.name}` === component) : undefined;
  if (imgflow) return [...Object.keys(imgflow.inputs), ...Object.keys(imgflow.params), 'output'];
  const alias = kernelAliases.find((a) => a.name === component);
  if (alias) {
    const op = kernelOperations.find((o) => o.name === alias.of)!;
    const hidden = new Set(alias.hidden ?? []);
    return [...Object.keys(op.inputs), ...Object.keys(op.params).filter((p) => !hidden.has(p)), ...Object.keys(alias.extraParams ?? {}), 'output'];
  }
  if (component in SHARP) return ['input', 'output', ...SHARP[component]];
  return undefined;
}

describe('kernel graphs', () => {
  for (const name of GRAPHS) {
    describe(name, () => {
      const g = JSON.parse(readFileSync(new URL(`../../graphs/${name}.json`, import.meta.url), 'utf8')) as Graph;

      it('names itself and describes itself', () => {
        expect(g.properties.name).to.equal(name);
        expect(g.properties.description).to.be.a('string').and.not.equal('');
      });

      it('uses only known components, on ports they have', () => {
        for (const [id, p] of Object.entries(g.processes)) {
          expect(portsOf(p.component), `${id}: ${p.component}`).to.be.an('array');
        }
        const check = (process: string, port: string) => {
          expect(g.processes, `process ${process}`).to.have.property(process);
          expect(portsOf(g.processes[process].component), `${process}.${port}`).to.include(port);
        };
        for (const c of g.connections) {
          if (c.src) check(c.src.process, c.src.port);
          check(c.tgt.process, c.tgt.port);
        }
        for (const ref of [...Object.values(g.inports), ...Object.values(g.outports)]) check(ref.process, ref.port);
      });

      it('exports input and output, and describes every URL parameter', () => {
        expect(g.inports).to.have.property('input');
        expect(g.outports).to.have.property('output');
        for (const [port, ref] of Object.entries(g.inports)) {
          if (port === 'input') continue;
          expect(ref.metadata?.description, `inport ${port}`).to.be.a('string').and.not.equal('');
        }
      });
    });
  }
});
