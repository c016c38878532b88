import { defineOperation } from './define.ts';
import { neighbourhood } from './kernels/descriptor.ts';

/** Sample count and the blur vector: samples spread evenly over [-length/2, length/2]. */
export function motionSamples(length: number, angleDeg: number): { n: number; ox: number; oy: number } {
  const n = length < 1 ? 1 : Math.ceil(length) + 1;
  const a = (angleDeg * Math.PI) / 180;
  return { n, ox: length * Math.cos(a), oy: length * Math.sin(a) };
}

export default defineOperation({
  name: 'motion-blur-linear',
  title: 'Linear Motion Blur',
  description: 'Averages pixels along a line, as if the camera moved during the exposure (nearest-pixel samples, premultiplied alpha)',
  icon: 'fighter-jet',
  category: 'blur',
  inputs: { input: { description: 'Image to blur' } },
  params: {
    length: { type: 'number', default: 10, min: 0, max: 256, unit: 'px', description: 'Length of the blur in pixels' },
    angle: { type: 'number', default: 0, min: -180, max: 180, unit: 'degrees', description: 'Direction of the blur, clockwise from the x axis' },
  },
  kernel: neighbourhood({
    uniforms: (p) => {
      const { n, ox, oy } = motionSamples(Number(p.length ?? 10), Number(p.angle ?? 0));
      return [n, ox, oy, n > 1 ? 1 / (n - 1) : 0];
    },
    source: (k) => {
      const [sr, sg, sb, sa, t, dx, dy, wa] = ['sr', 'sg', 'sb', 'sa', 't', 'dx', 'dy', 'wa'].map(k.v);
      const i = k.v('i');
      return `let ${sr} = 0.0; let ${sg} = 0.0; let ${sb} = 0.0; let ${sa} = 0.0;
for (let ${i} = 0; ${i} < ${k.p(0)}; ${i}++) {
  const ${t} = ${i} * ${k.p(3)} - 0.5;
  const ${dx} = Math.round(x + ${t} * ${k.p(1)}) - x;
  const ${dy} = Math.round(y + ${t} * ${k.p(2)}) - y;
  const ${wa} = ${k.img(dx, dy, 3)};
  ${sr} += ${k.img(dx, dy, 0)} * ${wa};
  ${sg} += ${k.img(dx, dy, 1)} * ${wa};
  ${sb} += ${k.img(dx, dy, 2)} * ${wa};
  ${sa} += ${wa};
}
if (${sa} > 0.0) { r = ${sr} / ${sa}; g = ${sg} / ${sa}; b = ${sb} / ${sa}; } else { r = 0.0; g = 0.0; b = 0.0; }
a = ${sa} / ${k.p(0)};\n`;
    },
  }),
});
