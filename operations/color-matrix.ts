import { defineOperation, type Params } from './define.ts';
import { KernelParamError, point } from './kernels/descriptor.ts';
import { parseNumbers } from './kernels/color.ts';

const EXPECTED = '9 (3x3), 12 (3x4 with offsets), 16 (4x4) or 20 (4x5) numbers';

/** Any accepted matrix as 4 rows of [r, g, b, a, offset]. */
export function matrix4x5(text: string): number[] {
  const m = parseNumbers(text);
  if (!m || ![9, 12, 16, 20].includes(m.length)) throw new KernelParamError('matrix', EXPECTED, text);
  const rows = m.length === 9 || m.length === 12 ? 3 : 4;
  const cols = m.length / rows;
  const out: number[] = [];
  for (let r = 0; r < 4; r++) for (let c = 0; c < 5; c++) out.push(r === c ? 1 : 0);
  for (let r = 0; r < rows; r++) {
    const at = (c: number) => m[r * cols + c];
    for (let c = 0; c < 3; c++) out[r * 5 + c] = at(c);
    if (rows === 4) out[r * 5 + 3] = at(3);
    if (cols === 5) out[r * 5 + 4] = at(4);
    if (rows === 3 && cols === 4) out[r * 5 + 4] = at(3);
  }
  return out;
}

export default defineOperation({
  name: 'color-matrix',
  title: 'Colour Matrix',
  description: 'Channel mixer: each output channel is a weighted sum of the input channels plus an offset',
  icon: 'th',
  category: 'color',
  inputs: { input: { description: 'Image to mix' } },
  params: {
    matrix: {
      type: 'string',
      default: '1 0 0  0 1 0  0 0 1',
      description: 'Row-major weights, space or comma separated: 3x3 (rgb), 3x4 (rgb + offset), 4x4 (rgba) or 4x5 (rgba + offset); offsets on a 0..1 scale',
    },
  },
  kernel: point({
    validate: (p: Params) => { matrix4x5(String(p.matrix ?? '')); },
    uniforms: (p) => matrix4x5(String(p.matrix ?? '1 0 0 0 1 0 0 0 1')),
    source: (k) => {
      const row = (n: number) => `Math.min(Math.max(${k.p(n * 5)} * r + ${k.p(n * 5 + 1)} * g + ${k.p(n * 5 + 2)} * b + ${k.p(n * 5 + 3)} * a + ${k.p(n * 5 + 4)}, 0.0), 1.0)`;
      const [nr, ng, nb, na] = ['r', 'g', 'b', 'a'].map(k.v);
      return `const ${nr} = ${row(0)};\nconst ${ng} = ${row(1)};\nconst ${nb} = ${row(2)};\nconst ${na} = ${row(3)};
r = ${nr}; g = ${ng}; b = ${nb}; a = ${na};\n`;
    },
  }),
});
