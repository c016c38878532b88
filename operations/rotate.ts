import { defineOperation } from './define.ts';
import { slot } from './sharp-order.ts';
import { rgba } from './_internal/color.ts';

export default defineOperation({
  name: 'rotate',
  title: 'Rotate',
  description: 'Rotates the image about its centre; the canvas grows to hold the rotated image',
  icon: 'repeat',
  category: 'transform',
  inputs: { input: { description: 'Image to rotate' } },
  params: {
    degrees: { type: 'number', default: 0, min: -360, max: 360, description: 'Angle, clockwise, in degrees' },
    background: { type: 'color', default: '#00000000', description: 'Colour of the corners uncovered by a rotation that is not a multiple of 90 degrees' },
  },
  sharp: {
    slot: slot.rotate,
    apply: (pipe, p) => pipe.rotate(p.degrees as number, { background: rgba(p.background as string) }),
  },
});
