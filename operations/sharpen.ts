import { defineOperation } from './define.ts';
import { slot } from './sharp-order.ts';

export default defineOperation({
  name: 'sharpen',
  title: 'Sharpen',
  description: 'Unsharp-masks the lightness channel: edges gain contrast, flat areas change little',
  icon: 'diamond',
  category: 'filter',
  inputs: { input: { description: 'Image to sharpen' } },
  params: {
    sigma: { type: 'number', default: 1, min: 0.000001, max: 10, unit: 'px', description: 'Radius of the mask, as the sigma of a Gaussian' },
    flat: { type: 'number', default: 1, min: 0, max: 1000000, description: 'Sharpening applied to flat areas' },
    jagged: { type: 'number', default: 2, min: 0, max: 1000000, description: 'Sharpening applied to jagged areas (edges)' },
  },
  sharp: {
    slot: slot.sharpen,
    apply: (pipe, p) => pipe.sharpen({ sigma: p.sigma as number, m1: p.flat as number, m2: p.jagged as number }),
  },
});
