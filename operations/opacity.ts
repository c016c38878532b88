import { defineOperation } from './define.ts';

export default defineOperation({
  name: 'opacity',
  title: 'Opacity',
  description: 'Multiplies the alpha channel by a value, adding an opaque alpha channel first if the image has none',
  icon: 'eye-slash',
  category: 'color',
  inputs: { input: { description: 'Image to fade' } },
  params: { value: { type: 'number', default: 1, min: 0, max: 1, description: 'Opacity, 0 (transparent) to 1 (unchanged)' } },
  pixel: (img, p) => {
    const value = p.value as number;
    const { width, height, channels, data } = img;
    const hasAlpha = channels === 2 || channels === 4;
    const outChannels = (hasAlpha ? channels : channels + 1) as 2 | 4;
    const out = Buffer.allocUnsafe(width * height * outChannels);
    for (let i = 0, o = 0; i < data.length; i += channels, o += outChannels) {
      for (let c = 0; c < outChannels - 1; c++) out[o + c] = data[i + c];
      out[o + outChannels - 1] = Math.round((hasAlpha ? data[i + channels - 1] : 255) * value);
    }
    return { data: out, width, height, channels: outChannels };
  },
});
