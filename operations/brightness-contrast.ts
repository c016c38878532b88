/**
 * The annotated example: read this file first when adding an operation.
 *
 * An operation is metadata (what Flowhub and /graphs show, what the runtime validates)
 * plus a few lines of work. The runtime coerces and range-checks every parameter against
 * `params` before `apply` runs, so `apply` trusts its inputs.
 */
import { defineOperation } from './define.ts';
import { slot } from './sharp-order.ts';

export default defineOperation({
  name: 'brightness-contrast',
  title: 'Brightness Contrast',
  // GEGL's formula, on 0..1 channel values: out = (in - 0.5) * contrast + 0.5 + brightness.
  description: 'Changes the light level and contrast: out = (in - 0.5) x contrast + 0.5 + brightness, per colour channel (alpha kept)',
  icon: 'adjust',
  category: 'color',
  inputs: { input: { description: 'Image to adjust' } },
  params: {
    contrast: { type: 'number', default: 1, min: -5, max: 5, uiMin: 0, uiMax: 2, description: 'Contrast multiplier; 1 keeps it, 0 is flat grey, negative inverts' },
    brightness: { type: 'number', default: 0, min: -3, max: 3, uiMin: -1, uiMax: 1, description: 'Amount added to every channel, in 0..1 units' },
  },
  sharp: {
    // Expressed as sharp's linear(a, b): a = contrast, b = 255 x (0.5 - 0.5 x contrast + brightness).
    // sharp leaves alpha alone when given one multiplier for a multi-band image.
    slot: slot.linear,
    apply: (pipe, p) => {
      const c = p.contrast as number, b = p.brightness as number;
      return pipe.linear(c, 255 * (0.5 - 0.5 * c + b));
    },
  },
});
