import { defineOperation } from './define.ts';
import { slot } from './sharp-order.ts';

export default defineOperation({
  name: 'grayscale',
  title: 'Grayscale',
  description: 'Removes colour, keeping luminance (and alpha)',
  icon: 'adjust',
  category: 'color',
  inputs: { input: { description: 'Image to desaturate' } },
  params: {},
  /** A per-pixel (or per-row) change: stacked frames are unaffected by each other. */
  frames: true,
  sharp: { slot: slot.greyscale, apply: (pipe) => pipe.grayscale() },
});
