/** The operation catalogue: every operation and alias the runtime knows. */
import type { AliasDef, OperationDef } from './define.ts';
import anisotropicSmoothing from './anisotropic-smoothing.ts';
import brightnessContrast from './brightness-contrast.ts';
import c2g from './c2g.ts';
import composite from './composite.ts';
import crop from './crop.ts';
import deepdream from './deepdream.ts';
import encodeAvif from './encode-avif.ts';
import encodeGif from './encode-gif.ts';
import encodeJpeg from './encode-jpeg.ts';
import encodePng from './encode-png.ts';
import encodeTiff from './encode-tiff.ts';
import encodeWebp from './encode-webp.ts';
import extend from './extend.ts';
import flip from './flip.ts';
import flop from './flop.ts';
import gamma from './gamma.ts';
import gaussianBlur from './gaussian-blur.ts';
import gaussianBlurLinear from './gaussian-blur-linear.ts';
import geglScale from './gegl-scale.ts';
import grayscale from './grayscale.ts';
import modulate from './modulate.ts';
import motionBlurLinear from './motion-blur-linear.ts';
import negate from './negate.ts';
import nop from './nop.ts';
import normalize from './normalize.ts';
import opacity from './opacity.ts';
import resize from './resize.ts';
import rotate from './rotate.ts';
import sharpen from './sharpen.ts';
import threshold from './threshold.ts';
import tint from './tint.ts';
import trim from './trim.ts';
import { geglAliases } from './gegl.ts';
import { kernelAliases, kernelOperations } from './kernels/catalog.ts';

export const operations: readonly OperationDef[] = [
  anisotropicSmoothing, brightnessContrast, c2g, composite, crop, deepdream, encodeAvif, encodeGif, encodeJpeg, encodePng, encodeTiff, encodeWebp,
  extend, flip, flop, gamma, gaussianBlur, gaussianBlurLinear, geglScale, grayscale, modulate, motionBlurLinear, negate, nop, normalize, opacity, resize,
  rotate, sharpen, threshold, tint, trim, ...kernelOperations,
];

export const aliases: readonly AliasDef[] = [...geglAliases, ...kernelAliases];

export { defineOperation, defineAlias, kindOf } from './define.ts';
export type {
  AliasDef, EncoderStep, EngineReport, ImagePortSpec, OperationDef, OperationKind, OutputFormat, ParamSpec, ParamType, Params,
  ProcessContext, RawImage, Rgba, SharpStep,
} from './define.ts';
