import { defineOperation, type Params } from './define.ts';
import { KernelParamError, neighbourhood } from './kernels/descriptor.ts';
import { parseNumbers } from './kernels/color.ts';

/** The matrix as size*size numbers; throws a 400 when it does not match the size. */
export function convolutionMatrix(p: Params): { size: number; m: number[] } {
  const size = Number(p.size ?? 3);
  if (![3, 5, 7].includes(size)) throw new KernelParamError('size', '3, 5 or 7', p.size);
  const m = parseNumbers(String(p.matrix ?? '0 0 0 0 1 0 0 0 0'));
  if (!m || m.length !== size * size) throw new KernelParamError('matrix', `${size * size} numbers (a ${size}x${size} matrix)`, p.matrix);
  return { size, m };
}

export default defineOperation({
  name: 'convolution',
  title: 'Convolution Matrix',
  description: 'Convolves the colour channels with a user kernel of 3x3, 5x5 or 7x7 weights; edges are clamped and alpha is kept',
  icon: 'th',
  category: 'filter',
  inputs: { input: { description: 'Image to convolve' } },
  params: {
    size: { type: 'int', default: 3, min: 3, max: 7, description: 'Kernel width and height: 3, 5 or 7' },
    matrix: { type: 'string', default: '0 0 0  0 1 0  0 0 0', description: 'size*size weights, row-major, space or comma separated' },
    divisor: { type: 'number', default: 0, min: -1000, max: 1000, description: 'Sum is divided by this; 0 means the sum of the weights (1 if that is 0)' },
    offset: { type: 'number', default: 0, min: -1, max: 1, description: 'Added after dividing, on a 0..1 scale' },
  },
  kernel: neighbourhood({
    validate: (p) => { convolutionMatrix(p); },
    uniforms: (p) => {
      const { m } = convolutionMatrix(p);
      const sum = m.reduce((s, v) => s + v, 0);
      const divisor = Number(p.divisor ?? 0) || sum || 1;
      return [1 / divisor, Number(p.offset ?? 0), ...m];
    },
    source: (k, p) => {
      const size = Number(p.size ?? 3), half = (size - 1) / 2;
      const sums = ['r', 'g', 'b'].map((c) => k.v(`s${c}`));
      let s = sums.map((v) => `let ${v} = 0.0;`).join(' ') + '\n';
      for (let j = 0; j < size; j++) {
        for (let i = 0; i < size; i++) {
          const wt = k.p(2 + j * size + i);
          sums.forEach((v, c) => { s += `${v} += ${wt} * ${k.img(String(i - half), String(j - half), c)};\n`; });
        }
      }
      return s + ['r', 'g', 'b'].map((c, n) => `${c} = Math.min(Math.max(${sums[n]} * ${k.p(0)} + ${k.p(1)}, 0.0), 1.0);\n`).join('');
    },
  }),
});
