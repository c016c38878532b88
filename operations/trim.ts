import { defineOperation } from './define.ts';
import { slot } from './sharp-order.ts';

export default defineOperation({
  name: 'trim',
  title: 'Trim',
  description: 'Removes borders of the colour of the top-left pixel',
  icon: 'scissors',
  category: 'transform',
  inputs: { input: { description: 'Image to trim' } },
  params: {
    threshold: { type: 'number', default: 10, min: 0, max: 255, description: 'Allowed difference from the border colour' },
    'line-art': { type: 'boolean', default: false, description: 'The input is line art (vector) rather than a photo' },
  },
  sharp: { slot: slot.trim, apply: (pipe, p) => pipe.trim({ threshold: p.threshold as number, lineArt: p['line-art'] as boolean }) },
});
