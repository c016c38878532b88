import { defineOperation, type RawImage } from './define.ts';
import { slot } from './sharp-order.ts';

const blends = [
  'over', 'multiply', 'screen', 'overlay', 'darken', 'lighten', 'colour-dodge', 'colour-burn', 'hard-light',
  'soft-light', 'difference', 'exclusion', 'add', 'saturate', 'atop', 'xor', 'in', 'out', 'dest-over', 'dest-in', 'dest-out',
] as const;

/** sharp refuses an overlay larger than the base: clip it to the base, as GEGL's composers do. */
function clipTo(img: RawImage, width: number, height: number): RawImage {
  if (img.width <= width && img.height <= height) return img;
  const w = Math.min(img.width, width), h = Math.min(img.height, height), rowBytes = w * img.channels;
  const out = Buffer.allocUnsafe(rowBytes * h);
  for (let y = 0; y < h; y++) img.data.copy(out, y * rowBytes, y * img.width * img.channels, y * img.width * img.channels + rowBytes);
  return { data: out, width: w, height: h, channels: img.channels };
}

export default defineOperation({
  name: 'composite',
  title: 'Composite',
  description: 'Draws the aux image over the input with a blend mode (Porter-Duff and the W3C blend modes), top-left aligned',
  icon: 'clone',
  category: 'composite',
  inputs: {
    input: { description: 'Background image; sets the output size' },
    aux: { description: 'Image drawn on top', required: true },
  },
  params: {
    blend: { type: 'enum', values: blends, default: 'over', description: 'Blend mode' },
    x: { type: 'int', default: 0, min: 0, max: 65535, description: 'Left offset of the aux image' },
    y: { type: 'int', default: 0, min: 0, max: 65535, description: 'Top offset of the aux image' },
  },
  sharp: {
    // Needs the base size to clip the overlay, which is only known at a pipeline's start.
    slot: (before) => (before.length === 0 ? slot.composite : -1),
    apply: (pipe, p, aux, base) => {
      const left = p.x as number, top = p.y as number;
      const over = clipTo(aux.aux, Math.max(1, base.width - left), Math.max(1, base.height - top));
      return pipe.composite([{
        input: over.data,
        raw: { width: over.width, height: over.height, channels: over.channels },
        blend: p.blend as 'over',
        left,
        top,
      }]);
    },
  },
});
