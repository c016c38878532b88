import { defineOperation } from './define.ts';
import { slot } from './sharp-order.ts';
import { rgba } from './_internal/color.ts';

export default defineOperation({
  name: 'tint',
  title: 'Tint',
  description: "Replaces the image's chroma with a colour's, keeping its luminance",
  icon: 'paint-brush',
  category: 'color',
  inputs: { input: { description: 'Image to tint' } },
  params: { color: { type: 'color', default: '#704214', description: 'Tint colour' } },
  /** A per-pixel (or per-row) change: stacked frames are unaffected by each other. */
  frames: true,
  sharp: { slot: slot.tint, apply: (pipe, p) => pipe.tint(rgba(p.color as string)) },
});
