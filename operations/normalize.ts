import { defineOperation } from './define.ts';
import { slot } from './sharp-order.ts';

export default defineOperation({
  name: 'normalize',
  title: 'Normalize',
  description: 'Stretches luminance so that the given percentiles become black and white',
  icon: 'signal',
  category: 'color',
  inputs: { input: { description: 'Image to stretch' } },
  params: {
    lower: { type: 'number', default: 1, min: 0, max: 99, unit: '%', description: 'Percentile that becomes black' },
    upper: { type: 'number', default: 99, min: 1, max: 100, unit: '%', description: 'Percentile that becomes white' },
  },
  sharp: { slot: slot.normalise, apply: (pipe, p) => pipe.normalise({ lower: p.lower as number, upper: p.upper as number }) },
});
