import { defineOperation } from './define.ts';

export default defineOperation({
  name: 'encode-jpeg',
  title: 'JPEG',
  description: 'Encodes as JPEG (mozjpeg settings available); alpha is flattened onto black',
  icon: 'file-image-o',
  category: 'encode',
  inputs: { input: { description: 'Image to encode' } },
  params: {
    quality: { type: 'int', default: 80, min: 1, max: 100, description: 'Quality, 1..100' },
    progressive: { type: 'boolean', default: false, description: 'Progressive (interlaced) scan' },
    mozjpeg: { type: 'boolean', default: false, description: 'mozjpeg defaults: smaller files, slower encode' },
  },
  encoder: {
    format: 'jpeg',
    apply: (pipe, p) => pipe.jpeg({ quality: p.quality as number, progressive: p.progressive as boolean, mozjpeg: p.mozjpeg as boolean }),
  },
});
