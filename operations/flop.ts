import { defineOperation } from './define.ts';
import { slot } from './sharp-order.ts';

export default defineOperation({
  name: 'flop',
  title: 'Flop',
  description: 'Mirrors the image horizontally (left to right)',
  icon: 'arrows-h',
  category: 'transform',
  inputs: { input: { description: 'Image to mirror' } },
  params: {},
  /** A per-pixel (or per-row) change: stacked frames are unaffected by each other. */
  frames: true,
  sharp: { slot: slot.flop, apply: (pipe) => pipe.flop() },
});
