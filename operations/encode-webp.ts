import { defineOperation } from './define.ts';

export default defineOperation({
  name: 'encode-webp',
  title: 'WebP',
  description: 'Encodes as WebP, lossy or lossless',
  icon: 'file-image-o',
  category: 'encode',
  inputs: { input: { description: 'Image to encode' } },
  params: {
    quality: { type: 'int', default: 80, min: 1, max: 100, description: 'Quality, 1..100' },
    lossless: { type: 'boolean', default: false, description: 'Lossless compression' },
    effort: { type: 'int', default: 4, min: 0, max: 6, description: 'CPU effort: 0 fastest, 6 smallest' },
  },
  encoder: {
    format: 'webp',
    apply: (pipe, p) => pipe.webp({ quality: p.quality as number, lossless: p.lossless as boolean, effort: p.effort as number }),
  },
});
