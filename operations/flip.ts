import { defineOperation } from './define.ts';
import { slot } from './sharp-order.ts';

export default defineOperation({
  name: 'flip',
  title: 'Flip',
  description: 'Mirrors the image vertically (top to bottom)',
  icon: 'arrows-v',
  category: 'transform',
  inputs: { input: { description: 'Image to mirror' } },
  params: {},
  sharp: { slot: slot.flip, apply: (pipe) => pipe.flip() },
});
