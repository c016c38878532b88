/**
 * imgflo's graphs name GEGL operations (`gegl/crop`, `svg/src-over`, ...) with GEGL's port
 * names. These aliases make such a graph file run unchanged wherever we have the operation.
 * Ports GEGL has and we do not need are accepted (and documented as such), never silently
 * given a different meaning.
 */
import { defineAlias, type AliasDef, type Params } from './define.ts';

const sampler = {
  type: 'enum' as const,
  values: ['nearest', 'linear', 'cubic', 'nohalo', 'lohalo'],
  default: 'linear',
  description: "GEGL's resampler; accepted for imgflo graphs (libvips chooses its own interpolator here)",
};

const samplerNote = { honouredWhen: 'linear', note: 'libvips interpolates with its own (bilinear-like) kernel; other GEGL samplers are not applied' };

/** GEGL's degrees are counter-clockwise, libvips' clockwise; both turn whole turns away. */
function counterClockwise(p: Params): Params {
  const turned = -((p.degrees as number) % 360);
  return { ...p, degrees: turned === 0 ? 0 : turned };
}

/** GEGL's scale ops use -1 (or 0) for "unspecified". */
function scaleToResize(p: Params): Params {
  const { x, y, ...rest } = p;
  const out: Params = { ...rest };
  if ((x as number) > 0) out.width = Math.round(x as number);
  if ((y as number) > 0) out.height = Math.round(y as number);
  return out;
}

const svgBlends: Record<string, string> = {
  'src-over': 'over', multiply: 'multiply', screen: 'screen', overlay: 'overlay', darken: 'darken',
  lighten: 'lighten', 'color-dodge': 'colour-dodge', 'color-burn': 'colour-burn', 'hard-light': 'hard-light',
  'soft-light': 'soft-light', difference: 'difference', exclusion: 'exclusion', plus: 'add', 'src-atop': 'atop',
  xor: 'xor', 'src-in': 'in', 'src-out': 'out', 'dst-over': 'dest-over', 'dst-in': 'dest-in', 'dst-out': 'dest-out',
};

/** SVG compositing in imgflo's graphs sets GEGL's `srgb` (blend in sRGB rather than linear light). */
const srgb = {
  extraParams: { srgb: { type: 'boolean' as const, default: false, description: "GEGL: composite in sRGB instead of linear light. Accepted for imgflo graphs; compositing here is always in sRGB" } },
  unhonoured: { srgb: { honouredWhen: true, note: 'compositing is always done in sRGB (srgb true)' } },
};

export const geglAliases: AliasDef[] = [
  // GEGL sets an unknown property with a warning and carries on; imgflo's passthrough.fbp
  // exports nop's nonexistent IGNORED port as a URL parameter that does nothing.
  defineAlias({ name: 'gegl/nop', of: 'nop', acceptsUnknownPorts: true }),
  defineAlias({ name: 'gegl/crop', of: 'crop' }),
  // GEGL's degrees turn counter-clockwise; the canvas grows to the rotated bounding box, placed
  // at 0,0 (rotate-on-center's behaviour; gegl:rotate about another origin is not reproduced).
  ...['gegl/rotate-on-center', 'gegl/rotate'].map((name) => defineAlias({
    name,
    of: 'rotate',
    description: 'Rotates about the centre, counter-clockwise (GEGL); the canvas grows to hold the result',
    extraParams: { sampler, degrees: { type: 'number', default: 0, min: -720, max: 720, unit: 'degree', description: 'Angle, counter-clockwise, in degrees' } },
    map: counterClockwise,
    unhonoured: { sampler: samplerNote },
  })),
  defineAlias({
    name: 'gegl/scale-size-keepaspect',
    of: 'gegl-scale',
    description: "Scales to a width or height (-1: derived from the other, keeping the aspect ratio; both: stretched), enlarging, with GEGL's linear sampler",
    extraParams: {
      x: { type: 'number', default: -1, min: -1, max: 16384, description: 'Target width in pixels, -1 to derive it from y' },
      y: { type: 'number', default: -1, min: -1, max: 16384, description: 'Target height in pixels, -1 to derive it from x' },
      sampler,
    },
    hidden: ['width', 'height', 'fit', 'position', 'dpr'],
    map: scaleToResize,
    unhonoured: { sampler: { honouredWhen: 'linear', note: "GEGL's linear sampler (the default) is what this scale does; other GEGL samplers are not applied" } },
  }),
  defineAlias({
    name: 'gegl/gaussian-blur',
    of: 'gaussian-blur-linear',
    extraParams: {
      filter: { type: 'enum', values: ['auto', 'fir', 'iir'], default: 'auto', description: "GEGL's algorithm choice; accepted for imgflo graphs (the result is the same Gaussian)" },
      'clip-extent': { type: 'boolean', default: true, description: 'Keep the input size (GEGL: true). Only true is honoured: the output never grows by the blur radius' },
    },
    unhonoured: {
      'clip-extent': { honouredWhen: true, note: 'the output always keeps the input size (clip-extent true)' },
      'abyss-policy': { honouredWhen: 'clamp', note: 'pixels beyond the edge always repeat the edge (clamp); none and black are not honoured' },
    },
  }),
  defineAlias({ name: 'gegl/motion-blur-linear', of: 'motion-blur-linear' }),
  defineAlias({ name: 'gegl/opacity', of: 'opacity' }),
  defineAlias({ name: 'gegl/gray', of: 'grayscale' }),
  defineAlias({ name: 'gegl/grey', of: 'grayscale' }),
  defineAlias({ name: 'gegl/c2g', of: 'c2g' }),
  defineAlias({ name: 'gegl/noise-reduction', of: 'anisotropic-smoothing' }),
  // GEGL inverts in linear light (gegl:invert, also called invert-linear) or in sRGB-encoded
  // values (invert-gamma); alpha is kept by both. `hidden` alone left negate's alpha undefined,
  // which sharp refused: every graph with either op failed.
  defineAlias({ name: 'gegl/invert-gamma', of: 'negate', hidden: ['alpha'], fixed: { alpha: false } }),
  defineAlias({
    name: 'gegl/threshold',
    of: 'threshold',
    extraParams: { value: { type: 'number', default: 0.5, min: -200, max: 200, description: 'Level on a 0..1 scale' } },
    hidden: ['grayscale'],
    map: (p) => ({ ...p, value: Math.max(0, Math.min(255, Math.round((p.value as number) * 255))), grayscale: true }),
  }),
  defineAlias({ name: 'gegl/jpg-save', of: 'encode-jpeg' }),
  defineAlias({ name: 'gegl/png-save', of: 'encode-png', extraParams: { bitdepth: { type: 'int', default: 8, min: 8, max: 8, description: 'Bits per channel; 8 only' } } }),
  defineAlias({ name: 'gegl/webp-save', of: 'encode-webp' }),
  ...Object.entries(svgBlends).map(([svg, blend]) =>
    defineAlias({ name: `svg/${svg}`, of: 'composite', description: `SVG ${svg} compositing: aux drawn over input`, hidden: ['blend'], fixed: { blend }, ...srgb })),
];
