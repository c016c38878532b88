import { defineOperation } from './define.ts';
import { slot } from './sharp-order.ts';

export default defineOperation({
  name: 'modulate',
  title: 'Modulate',
  description: 'Adjusts brightness, saturation and hue together, in the LCh colour space',
  icon: 'adjust',
  category: 'color',
  inputs: { input: { description: 'Image to adjust' } },
  params: {
    brightness: { type: 'number', default: 1, min: 0, max: 10, description: 'Brightness multiplier (1 keeps it)' },
    saturation: { type: 'number', default: 1, min: 0, max: 10, description: 'Saturation multiplier (0 is grey, 1 keeps it)' },
    hue: { type: 'number', default: 0, min: -360, max: 360, unit: 'degrees', description: 'Hue rotation in degrees' },
    lightness: { type: 'number', default: 0, min: -100, max: 100, description: 'Lightness added (L* units)' },
  },
  /** A per-pixel (or per-row) change: stacked frames are unaffected by each other. */
  frames: true,
  sharp: {
    slot: slot.modulate,
    apply: (pipe, p) =>
      pipe.modulate({ brightness: p.brightness as number, saturation: p.saturation as number, hue: p.hue as number, lightness: p.lightness as number }),
  },
});
