/**
 * GEGL's brightness-contrast: the same formula as imgflow/brightness-contrast, applied to
 * linear light as GEGL does ("RGBA float"), so imgflo's graphs keep their look: in sRGB values
 * the same contrast 1.3 / brightness 0.1 was 21-24/255 away from GEGL 0.4.42.
 */
import { defineOperation } from './define.ts';
import { point } from './kernels/descriptor.ts';
import { kConvertChecked, kSrgbToLinear, kTableLookup, SRGB_TABLE, srgbTables } from './kernels/color.ts';

export default defineOperation({
  name: 'brightness-contrast-linear',
  title: 'Brightness Contrast (linear light)',
  description: 'Changes the light level and contrast in linear light (GEGL): out = (in - 0.5) x contrast + 0.5 + brightness on linear channel values, alpha kept',
  icon: 'adjust',
  category: 'color',
  inputs: { input: { description: 'Image to adjust' } },
  params: {
    contrast: { type: 'number', default: 1, min: -5, max: 5, uiMin: 0, uiMax: 2, description: 'Contrast multiplier around 50% linear grey; 1 keeps it' },
    brightness: { type: 'number', default: 0, min: -3, max: 3, uiMin: -1, uiMax: 1, description: 'Amount added to every linear channel value, in 0..1 units' },
  },
  identity: (p) => p.contrast === 1 && p.brightness === 0,
  kernel: point({
    // contrast, brightness, then the sRGB tables: two lookups per channel instead of two Math.pow
    uniforms: (p) => [Number(p.contrast ?? 1), Number(p.brightness ?? 0), ...srgbTables()],
    source: (k) => ['r', 'g', 'b'].map((c) => {
      const [f, i] = [k.v(`f${c}`), k.v(`i${c}`)];
      // the input is 0..1 when the step before guarantees it; the result may leave 0..1 and is not clamped (GEGL)
      const toLinear = k.unitIn ? kTableLookup(k.pAt, c, 2, f, i) : kSrgbToLinear(c);
      return `${toLinear}${c} = (${c} - 0.5) * ${k.p(0)} + 0.5 + ${k.p(1)};\n${kConvertChecked(k.pAt, c, 2 + SRGB_TABLE + 2, true, k.v(`o${f}`), k.v(`o${i}`))}`;
    }).join(''),
  }),
});
