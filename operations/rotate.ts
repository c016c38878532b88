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
  outputSize: (input, p) => {
    const degrees = p.degrees as number;
    // Multiples of 90 are exact turns (vips_rot); other angles get the rounded bounding box (vips_rotate).
    if (Number.isInteger(degrees) && degrees % 90 === 0) {
      return (degrees / 90) % 2 === 0 ? input : { width: input.height, height: input.width };
    }
    const r = (degrees * Math.PI) / 180;
    const cos = Math.abs(Math.cos(r));
    const sin = Math.abs(Math.sin(r));
    return { width: Math.round(input.width * cos + input.height * sin), height: Math.round(input.width * sin + input.height * cos) };
  },
  sharp: {
    // sharp crops (cover) or pads (contain) a resize to its box after turning by 90 degrees,
    // so a rotate after such a resize in one pipeline would get the box the wrong way round.
    slot: (before, params) => (before.some((name, i) => name === 'resize' && (params[i].fit === 'cover' || params[i].fit === 'contain')) ? -1 : slot.rotate),
    apply: (pipe, p) => pipe.rotate(p.degrees as number, { background: rgba(p.background as string) }),
  },
});
