import { defineOperation } from './define.ts';
import { slot } from './sharp-order.ts';

export default defineOperation({
  name: 'negate',
  title: 'Negate',
  description: 'Inverts the colours (a photographic negative)',
  icon: 'circle-half-stroke',
  category: 'color',
  inputs: { input: { description: 'Image to invert' } },
  params: { alpha: { type: 'boolean', default: false, description: 'Invert the alpha channel too' } },
  /** A per-pixel (or per-row) change: stacked frames are unaffected by each other. */
  frames: true,
  sharp: { slot: slot.negate, apply: (pipe, p) => pipe.negate({ alpha: p.alpha as boolean }) },
});
