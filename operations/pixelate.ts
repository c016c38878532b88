import { defineOperation } from './define.ts';
import { neighbourhood } from './kernels/descriptor.ts';

/** At most this many samples per block side: a block of 256 px is averaged from a 16x16 grid. */
export const PIXELATE_MAX_SAMPLES = 16;

export function pixelateGrid(size: number): { step: number; count: number } {
  const step = Math.ceil(size / PIXELATE_MAX_SAMPLES);
  return { step, count: Math.ceil(size / step) };
}

export default defineOperation({
  name: 'pixelate',
  title: 'Pixelate',
  description: 'Replaces blocks of pixels by their average colour (premultiplied; blocks over 16 px are averaged from a 16x16 grid)',
  icon: 'th-large',
  category: 'filter',
  inputs: { input: { description: 'Image to pixelate' } },
  params: {
    'size-x': { type: 'int', default: 16, min: 1, max: 256, unit: 'px', description: 'Block width' },
    'size-y': { type: 'int', default: 16, min: 1, max: 256, unit: 'px', description: 'Block height' },
  },
  kernel: neighbourhood({
    uniforms: (p) => {
      const sx = Number(p['size-x'] ?? 16), sy = Number(p['size-y'] ?? 16);
      const gx = pixelateGrid(sx), gy = pixelateGrid(sy);
      return [sx, sy, gx.step, gy.step, gx.count, gy.count];
    },
    source: (k) => {
      const [bx, by, sr, sg, sb, sa, n, px, py, wa, i, j] = ['bx', 'by', 'sr', 'sg', 'sb', 'sa', 'n', 'px', 'py', 'wa', 'i', 'j'].map(k.v);
      const dx = `(${px} - x)`, dy = `(${py} - y)`;
      return `const ${bx} = Math.floor(x / ${k.p(0)}) * ${k.p(0)};
const ${by} = Math.floor(y / ${k.p(1)}) * ${k.p(1)};
let ${sr} = 0.0; let ${sg} = 0.0; let ${sb} = 0.0; let ${sa} = 0.0; let ${n} = 0.0;
for (let ${j} = 0; ${j} < ${k.p(5)}; ${j}++) {
  const ${py} = ${by} + ${j} * ${k.p(3)};
  for (let ${i} = 0; ${i} < ${k.p(4)}; ${i}++) {
    const ${px} = ${bx} + ${i} * ${k.p(2)};
    if (${py} < h && ${px} < w && ${py} < ${by} + ${k.p(1)} && ${px} < ${bx} + ${k.p(0)}) {
      const ${wa} = ${k.img(dx, dy, 3)};
      ${sr} += ${k.img(dx, dy, 0)} * ${wa};
      ${sg} += ${k.img(dx, dy, 1)} * ${wa};
      ${sb} += ${k.img(dx, dy, 2)} * ${wa};
      ${sa} += ${wa};
      ${n} += 1.0;
    }
  }
}
if (${sa} > 0.0) { r = ${sr} / ${sa}; g = ${sg} / ${sa}; b = ${sb} / ${sa}; } else { r = 0.0; g = 0.0; b = 0.0; }
a = ${sa} / ${n};\n`;
    },
  }),
});
