import { defineOperation } from './define.ts';
import { slot } from './sharp-order.ts';

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
  sharp: {
    // sharp extracts before resizing unless a resize precedes it in the same pipeline, and a
    // rotate called before a pre-resize extract runs before it (rotateBeforePreExtract).
    slot: (before) => (before.includes('resize') || (before.length === 1 && before[0] === 'rotate') ? slot.extractPost : slot.extractPre),
    apply: (pipe, p) => pipe.extract({ left: p.x as number, top: p.y as number, width: p.width as number, height: p.height as number }),
  },
});
