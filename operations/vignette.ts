import { defineOperation } from './define.ts';
import { point } from './kernels/descriptor.ts';
import { parseColor } from './kernels/color.ts';

export default defineOperation({
  name: 'vignette',
  title: 'Vignette',
  description: 'Darkens (or tints) the image towards its corners, optionally lightening the centre',
  icon: 'circle-o',
  category: 'color',
  inputs: { input: { description: 'Image to vignette' } },
  params: {
    color: { type: 'color', default: '#000000ff', description: 'Colour the corners fade to' },
    strength: { type: 'number', default: 0.8, min: 0, max: 1, description: 'Opacity of the colour at the corners' },
    radius: { type: 'number', default: 0.65, min: 0, max: 1.5, description: 'Distance from the centre where the fade starts, as a fraction of the half diagonal' },
    softness: { type: 'number', default: 0.35, min: 0, max: 1.5, description: 'Width of the fade, as a fraction of the half diagonal' },
    lighten: { type: 'number', default: 0, min: 0, max: 1, description: 'Amount of white added at the centre, fading out at radius' },
  },
  kernel: point({
    // [colour r, g, b, strength * colour alpha, radius, 1 / softness, lighten, 1 / radius]:
    // reciprocals and products computed once here rather than per pixel.
    uniforms: (p) => {
      const [cr, cg, cb, ca] = parseColor(String(p.color ?? '#000000ff'));
      const radius = Number(p.radius ?? 0.65);
      return [cr, cg, cb, Number(p.strength ?? 0.8) * ca, radius, 1 / Math.max(Number(p.softness ?? 0.35), 0.000001),
        Number(p.lighten ?? 0), 1 / Math.max(radius, 0.000001)];
    },
    source: (k) => {
      const [dx, dy, d, m, l] = ['dx', 'dy', 'd', 'm', 'l'].map(k.v);
      return `const ${dx} = x + 0.5 - w * 0.5;
const ${dy} = y + 0.5 - h * 0.5;
const ${d} = Math.sqrt((${dx} * ${dx} + ${dy} * ${dy}) / (w * w * 0.25 + h * h * 0.25));
const ${m} = ${k.p(3)} * Math.min(Math.max((${d} - ${k.p(4)}) * ${k.p(5)}, 0.0), 1.0);
const ${l} = ${k.p(6)} * Math.min(Math.max(1.0 - ${d} * ${k.p(7)}, 0.0), 1.0);
r = Math.min(r + (${k.p(0)} - r) * ${m} + ${l}, 1.0);
g = Math.min(g + (${k.p(1)} - g) * ${m} + ${l}, 1.0);
b = Math.min(b + (${k.p(2)} - b) * ${m} + ${l}, 1.0);\n`;
    },
  }),
});
