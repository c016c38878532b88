import { defineOperation } from './define.ts';
import { neighbourhood } from './kernels/descriptor.ts';
import { kTableLookup, SRGB_TABLE, srgbTables } from './kernels/color.ts';

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
    // the sRGB <-> linear tables (srgbTables): one lookup per neighbour instead of a Math.pow
    // per tap and use, which made the linear mode take seconds at 2000x1500
    uniforms: (p) => (p.linear === true ? srgbTables() : []),
    source: (k, p) => {
      const hor = p.horizontal !== false, ver = p.vertical !== false, sign = p['keep-sign'] === true, lin = p.linear === true;
      const TO_LINEAR = 0, TO_SRGB = SRGB_TABLE + 2;
      const lookup = (v: string, at: number) => kTableLookup(k.pAt, v, at, k.v(`f${v}`), k.v(`i${v}`));
      const taps: Array<[number, number]> = [[-1, -1], [0, -1], [1, -1], [-1, 0], [1, 0], [-1, 1], [0, 1], [1, 1]];
      return ['r', 'g', 'b'].map((c, n) => {
        // each neighbour read once: neighbourhood reads see the stored (0..1) sRGB values, decoded here
        const name = (dx: number, dy: number) => k.v(`${c}${dx + 1}${dy + 1}`);
        let s = taps.map(([dx, dy]) => `let ${name(dx, dy)} = ${k.img(String(dx), String(dy), n)};\n${lin ? lookup(name(dx, dy), TO_LINEAR) : ''}`).join('');
        const gx = k.v(`gx${c}`), gy = k.v(`gy${c}`);
        s += `const ${gx} = (${name(1, -1)} + 2.0 * ${name(1, 0)} + ${name(1, 1)}) - (${name(-1, -1)} + 2.0 * ${name(-1, 0)} + ${name(-1, 1)});
const ${gy} = (${name(-1, -1)} + 2.0 * ${name(0, -1)} + ${name(1, -1)}) - (${name(-1, 1)} + 2.0 * ${name(0, 1)} + ${name(1, 1)});\n`;
        if (hor && ver) s += `${c} = Math.min(Math.sqrt(${gx} * ${gx} + ${gy} * ${gy}) / 5.656854, 1.0);\n`;
        else if (!hor && !ver) s += `${c} = 0.0;\n`;
        else {
          const g = hor ? gx : gy;
          s += sign ? `${c} = Math.min(Math.max(0.5 + ${g} / 8.0, 0.0), 1.0);\n` : `${c} = Math.min(Math.abs(${g}) / 4.0, 1.0);\n`;
        }
        // every branch leaves 0..1: the table's range
        return lin ? s + lookup(c, TO_SRGB) : s;
      }).join('');
    },
  }),
});
