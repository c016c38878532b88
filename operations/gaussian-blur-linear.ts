/**
 * Gaussian blur in linear light, as GEGL blurs (imgflo's gaussianblur graph): mixing light
 * rather than sRGB-encoded values keeps bright detail bright. On imgflo's own test case
 * (std-dev 60) this is 1.8/255 from GEGL's output where a blur of the encoded values is 5.5.
 * Its own pipeline, so the operations around it keep working on sRGB values.
 */
import sharp from 'sharp';
import { defineOperation, type SharpStep } from './define.ts';
import gaussianBlur from './gaussian-blur.ts';
import { greyAlpha } from './_internal/sharp-raw.ts';

export default defineOperation({
  name: 'gaussian-blur-linear',
  title: 'Gaussian Blur (linear light)',
  description: 'Averages neighbouring pixels weighted by a normal distribution, in linear light as GEGL does, with separate horizontal and vertical sizes',
  icon: 'tint',
  category: 'blur',
  inputs: { input: { description: 'Image to blur' } },
  params: gaussianBlur.params,
  process: async (img, p) => {
    const base = { width: img.width, height: img.height, channels: img.channels };
    const pipe = sharp(img.data, { raw: base }).pipelineColourspace('scrgb');
    // sharp's raw output of a 'b-w' image is its first band only: its alpha would be lost
    // ('grey16' keeps it, but only in 16 bits). Grey with alpha comes back as sRGB with
    // alpha, whose bands are equal, and keeps bands 0 and 3.
    const blurred = (gaussianBlur.sharp!.apply as SharpStep['apply'])(pipe, p, {}, base).toColourspace(img.channels === 1 ? 'b-w' : 'srgb');
    const { data, info } = await blurred.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (img.channels === 2) return { data: greyAlpha(data), width: info.width, height: info.height, channels: 2 };
    return { data, width: info.width, height: info.height, channels: info.channels as 1 | 2 | 3 | 4 };
  },
});
