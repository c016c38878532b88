import { defineOperation } from './define.ts';
import { slot } from './sharp-order.ts';

export default defineOperation({
  name: 'resize',
  title: 'Resize',
  description: 'Scales the image to a width and/or height; without both, the aspect ratio is kept. Never enlarges unless asked',
  icon: 'expand',
  category: 'transform',
  inputs: { input: { description: 'Image to scale' } },
  params: {
    width: { type: 'int', min: 1, max: 16384, description: 'Target width in pixels; empty keeps the aspect ratio from height' },
    height: { type: 'int', min: 1, max: 16384, description: 'Target height in pixels; empty keeps the aspect ratio from width' },
    fit: { type: 'enum', values: ['inside', 'cover', 'contain', 'fill', 'outside'], default: 'inside', description: 'How the image fits both dimensions (CSS object-fit)' },
    kernel: { type: 'enum', values: ['nearest', 'linear', 'cubic', 'mitchell', 'lanczos2', 'lanczos3'], default: 'lanczos3', description: 'Interpolation kernel for reduction' },
    enlarge: { type: 'boolean', default: false, description: 'Allow output larger than the input' },
    background: { type: 'color', default: '#000000', description: "Padding colour for fit 'contain'" },
  },
  identity: (p) => p.width === undefined && p.height === undefined,
  sharp: {
    slot: slot.resize,
    apply: (pipe, p) =>
      pipe.resize({
            width: p.width as number | undefined,
            height: p.height as number | undefined,
            fit: p.fit as 'inside',
            kernel: p.kernel as 'lanczos3',
            withoutEnlargement: !p.enlarge,
            background: p.background as string,
          }),
  },
});
