import { defineOperation } from './define.ts';
import { neighbourhood } from './kernels/descriptor.ts';
import { kLinearToSrgb } from './kernels/color.ts';

export default defineOperation({
  name: 'edge-sobel',
  title: 'Sobel Edge Detection',
  description: 'Sobel gradient of each colour channel: bright where the image changes, black where it is flat; alpha is kept',
  icon: 'square-o',
  category: 'filter',
  inputs: { input: { description: 'Image to find edges in' } },
  params: {
    horizontal: { type: 'boolean', default: true, description: 'Detect horizontal changes (vertical edges)' },
    vertical: { type: 'boolean', default: true, description: 'Detect vertical changes (horizontal edges); positive where the row above is brighter, as GEGL' },
    'keep-sign': { type: 'boolean', default: false, description: 'With one direction only: keep the sign, 0.5 meaning no change' },
    linear: { type: 'boolean', default: false, description: 'Measure the gradient in linear light (true, as GEGL does) or on sRGB-encoded values (false)' },
  },
  kernel: neighbourhood({
    uniforms: () => [],
    source: (k, p) => {
      const hor = p.horizontal !== false, ver = p.vertical !== false, sign = p['keep-sign'] === true, lin = p.linear === true;
      return ['r', 'g', 'b'].map((c, n) => {
        const sample = (dx: number, dy: number) => k.img(String(dx), String(dy), n);
        // the 8-bit source decoded per tap: neighbourhood reads see the stored sRGB values
        const at = lin ? (dx: number, dy: number) => {
          const v = sample(dx, dy);
          return `(${v} <= 0.04045 ? ${v} / 12.92 : Math.pow((${v} + 0.055) / 1.055, 2.4))`;
        } : sample;
        const gx = k.v(`gx${c}`), gy = k.v(`gy${c}`);
        let s = `const ${gx} = (${at(1, -1)} + 2.0 * ${at(1, 0)} + ${at(1, 1)}) - (${at(-1, -1)} + 2.0 * ${at(-1, 0)} + ${at(-1, 1)});
const ${gy} = (${at(-1, -1)} + 2.0 * ${at(0, -1)} + ${at(1, -1)}) - (${at(-1, 1)} + 2.0 * ${at(0, 1)} + ${at(1, 1)});\n`;
        if (hor && ver) s += `${c} = Math.min(Math.sqrt(${gx} * ${gx} + ${gy} * ${gy}) / 5.656854, 1.0);\n`;
        else if (!hor && !ver) s += `${c} = 0.0;\n`;
        else {
          const g = hor ? gx : gy;
          s += sign ? `${c} = Math.min(Math.max(0.5 + ${g} / 8.0, 0.0), 1.0);\n` : `${c} = Math.min(Math.abs(${g}) / 4.0, 1.0);\n`;
        }
        return lin ? s + kLinearToSrgb(c) : s;
      }).join('');
    },
  }),
});
