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

/** True when alpha neither feeds the colour rows nor changes: row 3 is [0, 0, 0, 1, 0]. */
function rgbOnly(m: number[]): boolean {
  return m[3] === 0 && m[8] === 0 && m[13] === 0 && m[15] === 0 && m[16] === 0 && m[17] === 0 && m[18] === 1 && m[19] === 0;
}

/** Row `n` of an rgb-only matrix maps 0..1 colours into 0..1: weights and offset >= 0, summing to <= 1. */
function convexRow(m: number[], n: number): boolean {
  const w = m.slice(n * 5, n * 5 + 3);
  const offset = m[n * 5 + 4];
  return w.every((v) => v >= 0) && offset >= 0 && w[0] + w[1] + w[2] + offset <= 1;
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
    // 'rgb' when alpha neither feeds r, g, b nor changes (the 3x3 and 3x4 forms, and 4x4/4x5
    // with an identity alpha row): 3 rows of 3 weights + offset, and alpha untouched.
    uniforms: (p) => matrix4x5(String(p.matrix ?? '1 0 0 0 1 0 0 0 1')),
    range: () => 'unit',
    writesAlpha: (p) => !rgbOnly(matrix4x5(String(p.matrix ?? '1 0 0 0 1 0 0 0 1'))),
    source: (k, p) => {
      const m = matrix4x5(String(p.matrix ?? '1 0 0 0 1 0 0 0 1'));
      const rgb = rgbOnly(m);
      const term = (n: number, c: number, v: string) => `${k.p(n * 5 + c)} * ${v}`;
      const row = (n: number) => {
        const sum = `${term(n, 0, 'r')} + ${term(n, 1, 'g')} + ${term(n, 2, 'b')}${rgb ? '' : ` + ${term(n, 3, 'a')}`} + ${k.p(n * 5 + 4)}`;
        // a weighted mean of 0..1 values needs no clamp
        return rgb && k.unitIn && convexRow(m, n) ? sum : `Math.min(Math.max(${sum}, 0.0), 1.0)`;
      };
      const [nr, ng, nb, na] = ['r', 'g', 'b', 'a'].map(k.v);
      if (rgb) return `const ${nr} = ${row(0)};\nconst ${ng} = ${row(1)};\nconst ${nb} = ${row(2)};\nr = ${nr}; g = ${ng}; b = ${nb};\n`;
      return `const ${nr} = ${row(0)};\nconst ${ng} = ${row(1)};\nconst ${nb} = ${row(2)};\nconst ${na} = ${row(3)};
r = ${nr}; g = ${ng}; b = ${nb}; a = ${na};\n`;
    },
  }),
});
