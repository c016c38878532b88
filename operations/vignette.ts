import { defineOperation } from './define.ts';
import { inUnit, point } from './kernels/descriptor.ts';
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
    // [colour r, g, b, strength * colour alpha, radius, 1 / softness, lighten, 1 / radius,
    // centre x, centre y, 1 / half diagonal squared]: reciprocals and products computed once
    // here rather than per pixel.
    uniforms: (p, size = { width: 1, height: 1 }) => {
      const [cr, cg, cb, ca] = parseColor(String(p.color ?? '#000000ff'));
      const radius = Number(p.radius ?? 0.65);
      return [cr, cg, cb, Number(p.strength ?? 0.8) * ca, radius, 1 / Math.max(Number(p.softness ?? 0.35), 0.000001),
        Number(p.lighten ?? 0), 1 / Math.max(radius, 0.000001),
        size.width * 0.5, size.height * 0.5, 1 / ((size.width * size.width + size.height * size.height) * 0.25)];
    },
    // mixes towards a 0..1 colour by at most strength, adds a non-negative lighten, caps at 1
    range: (p) => (inUnit(p.strength ?? 0.8) && Number(p.lighten ?? 0) >= 0 ? 'keeps-unit' : undefined),
    source: (k, p) => {
      const [dx, dy, d, m, l] = ['dx', 'dy', 'd', 'm', 'l'].map(k.v);
      const head = `const ${dx} = x + 0.5 - ${k.p(8)};
const ${dy} = y + 0.5 - ${k.p(9)};
const ${d} = Math.sqrt((${dx} * ${dx} + ${dy} * ${dy}) * ${k.p(10)});
const ${m} = ${k.p(3)} * Math.min(Math.max((${d} - ${k.p(4)}) * ${k.p(5)}, 0.0), 1.0);\n`;
      // without lighten (the default) it mixes 0..1 values towards the colour: nothing to add or cap
      if (Number(p.lighten ?? 0) === 0 && k.unitIn) {
        return head + ['r', 'g', 'b'].map((c, n) => `${c} = ${c} + (${k.p(n)} - ${c}) * ${m};\n`).join('');
      }
      return head + `const ${l} = ${k.p(6)} * Math.min(Math.max(1.0 - ${d} * ${k.p(7)}, 0.0), 1.0);\n` +
        ['r', 'g', 'b'].map((c, n) => `${c} = Math.min(${c} + (${k.p(n)} - ${c}) * ${m} + ${l}, 1.0);\n`).join('');
    },
  }),
});
