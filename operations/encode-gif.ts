import { defineOperation } from './define.ts';

export default defineOperation({
  name: 'encode-gif',
  title: 'GIF',
  description: 'Encodes as a palette GIF',
  icon: 'file-image-o',
  category: 'encode',
  inputs: { input: { description: 'Image to encode' } },
  params: {
    colours: { type: 'int', default: 256, min: 2, max: 256, description: 'Palette size' },
    effort: { type: 'int', default: 7, min: 1, max: 10, description: 'CPU effort: 1 fastest, 10 best palette' },
    dither: { type: 'number', default: 1, min: 0, max: 1, description: 'Floyd-Steinberg dithering amount' },
  },
  encoder: {
    format: 'gif',
    apply: (pipe, p) => pipe.gif({ colours: p.colours as number, effort: p.effort as number, dither: p.dither as number }),
  },
});
