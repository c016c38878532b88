import { defineOperation } from './define.ts';

export default defineOperation({
  name: 'gamma',
  title: 'Gamma',
  description: 'Raises each colour channel (0..1) to a power: below 1 brightens midtones, above 1 darkens them; alpha kept',
  icon: 'sliders',
  category: 'color',
  inputs: { input: { description: 'Image to adjust' } },
  params: { value: { type: 'number', default: 1, min: 0.01, max: 10, uiMin: 0.2, uiMax: 5, description: 'Exponent' } },
  pixel: (img, p) => {
    const value = p.value as number;
    // 8-bit in, 8-bit out: a 256-entry table is exact and costs one lookup per sample.
    const lut = Uint8Array.from({ length: 256 }, (_, v) => Math.round(255 * (v / 255) ** value));
    const { channels, data } = img;
    const colourChannels = channels === 2 || channels === 4 ? channels - 1 : channels;
    const out = Buffer.from(data);
    for (let i = 0; i < out.length; i += channels) for (let c = 0; c < colourChannels; c++) out[i + c] = lut[out[i + c]];
    return { ...img, data: out };
  },
});
