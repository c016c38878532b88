import type { AliasDef, OperationDef } from '../define.ts';
import { defineAlias } from '../define.ts';
import blend from '../blend.ts';
import brightnessContrastLinear from '../brightness-contrast-linear.ts';
import colorMatrix from '../color-matrix.ts';
import convolution from '../convolution.ts';
import curves from '../curves.ts';
import edgeSobel from '../edge-sobel.ts';
import gradientMap from '../gradient-map.ts';
import levels from '../levels.ts';
import noise from '../noise.ts';
import noiseReduction from '../noise-reduction.ts';
import pixelate from '../pixelate.ts';
import posterize from '../posterize.ts';
import retroCurve from '../retro-curve.ts';
import sepia from '../sepia.ts';
import unsharpMask from '../unsharp-mask.ts';
import vignette from '../vignette.ts';

/** Operations implemented as gpu.js kernels (operations/kernels fuses them). */
export const kernelOperations: OperationDef[] = [
  blend, brightnessContrastLinear, colorMatrix, convolution, curves, edgeSobel, gradientMap, levels,
  noise, noiseReduction, pixelate, posterize, retroCurve, sepia, unsharpMask, vignette,
];

/** GEGL / imgflo names for them, with GEGL's port names. */
export const kernelAliases: AliasDef[] = [
  defineAlias({ name: 'gegl/gradient-map', of: 'gradient-map' }),
  // GEGL works in linear light here ("RGBA float"), and its keep-sign is on by default.
  defineAlias({ name: 'gegl/brightness-contrast', of: 'brightness-contrast-linear' }),
  // (in - 0.5) x -1 + 0.5 = 1 - in, on linear values: GEGL's invert
  ...['gegl/invert', 'gegl/invert-linear'].map((name) => defineAlias({
    name,
    of: 'brightness-contrast-linear',
    description: 'Inverts the colours in linear light (GEGL), alpha kept',
    fixed: { contrast: -1, brightness: 0 },
  })),
  defineAlias({
    name: 'gegl/edge-sobel',
    of: 'edge-sobel',
    hidden: ['linear'],
    fixed: { linear: true },
    extraParams: { 'keep-sign': { type: 'boolean', default: true, description: 'With one direction only: keep the sign, 0.5 meaning no change (GEGL default: true)' } },
  }),
  defineAlias({ name: 'gegl/noise-cie-lch', of: 'noise' }),
  // imgflo's own operation, compared with GEGL running imgflo's source (spec/fixtures/gegl)
  defineAlias({ name: 'imgfloextra/retro-curve', of: 'retro-curve' }),
];
