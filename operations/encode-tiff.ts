import { defineOperation } from './define.ts';

export default defineOperation({
  name: 'encode-tiff',
  title: 'TIFF',
  description: 'Encodes as TIFF',
  icon: 'file-image-o',
  category: 'encode',
  inputs: { input: { description: 'Image to encode' } },
  params: {
    quality: { type: 'int', default: 80, min: 1, max: 100, description: 'JPEG quality, with jpeg compression only' },
    compression: { type: 'enum', values: ['none', 'jpeg', 'deflate', 'lzw', 'packbits', 'webp', 'zstd'], default: 'lzw', description: 'Compression scheme' },
  },
  encoder: {
    format: 'tiff',
    apply: (pipe, p) => pipe.tiff({ quality: p.quality as number, compression: p.compression as 'lzw' }),
  },
});
