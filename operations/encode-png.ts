import { defineOperation } from './define.ts';

export default defineOperation({
  name: 'encode-png',
  title: 'PNG',
  description: 'Encodes as lossless PNG, or as an indexed palette PNG',
  icon: 'file-image-o',
  category: 'encode',
  inputs: { input: { description: 'Image to encode' } },
  params: {
    compression: { type: 'int', default: 6, min: 0, max: 9, description: 'zlib level: 0 fastest, 9 smallest' },
    palette: { type: 'boolean', default: false, description: 'Quantise to an indexed palette (lossy, much smaller)' },
    quality: { type: 'int', default: 100, min: 1, max: 100, description: 'Palette quality, with palette only' },
  },
  encoder: {
    format: 'png',
    apply: (pipe, p) => pipe.png({ compressionLevel: p.compression as number, palette: p.palette as boolean, quality: p.quality as number }),
  },
});
