import { defineOperation } from './define.ts';
import { slot } from './sharp-order.ts';

export default defineOperation({
  name: 'threshold',
  title: 'Threshold',
  description: 'Pixels at or above the level become white, the others black',
  icon: 'toggle-on',
  category: 'color',
  inputs: { input: { description: 'Image to threshold' } },
  params: {
    value: { type: 'int', default: 128, min: 0, max: 255, description: 'Level, 0..255' },
    grayscale: { type: 'boolean', default: true, description: 'Threshold luminance (true) or each channel on its own (false)' },
  },
  sharp: { slot: slot.threshold, apply: (pipe, p) => pipe.threshold(p.value as number, { grayscale: p.grayscale as boolean }) },
});
