import { defineOperation } from './define.ts';
import { extractSlot } from './sharp-order.ts';

export default defineOperation({
  name: 'crop',
  title: 'Crop',
  description: 'Keeps a rectangle of the image; the rectangle is clipped to the image',
  icon: 'crop',
  category: 'transform',
  inputs: { input: { description: 'Image to crop' } },
  params: {
    x: { type: 'int', default: 0, min: 0, max: 65535, description: 'Left edge of the rectangle, in pixels' },
    y: { type: 'int', default: 0, min: 0, max: 65535, description: 'Top edge of the rectangle, in pixels' },
    width: { type: 'int', default: 10, min: 1, max: 65535, description: 'Width of the rectangle, in pixels' },
    height: { type: 'int', default: 10, min: 1, max: 65535, description: 'Height of the rectangle, in pixels' },
  },
  // A rectangle reaching outside the image is refused by libvips (422); its part inside is the bound.
  outputSize: (input, p) => ({
    width: Math.max(0, Math.min(p.width as number, input.width - (p.x as number))),
    height: Math.max(0, Math.min(p.height as number, input.height - (p.y as number))),
  }),
  sharp: {
    slot: extractSlot,
    apply: (pipe, p) => pipe.extract({ left: p.x as number, top: p.y as number, width: p.width as number, height: p.height as number }),
  },
});
