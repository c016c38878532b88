import { defineOperation, type Params, type Size } from './define.ts';
import { slot } from './sharp-order.ts';

/**
 * sharp's resize arithmetic (src/common.cc ResolveShrink, src/pipeline.cc): shrink factors per
 * axis, clamped by withoutEnlargement and to at least one pixel, then the canvas: `cover`
 * crops to the box, `contain` pads to it, the others keep the scaled size. Exact except where
 * a side's exact size is a whole number and a half: libvips' shrink-then-reduce rounds those
 * up or down depending on the factors, and the `nearest` kernel may round other sizes down
 * too; there the prediction is the larger, one pixel more than made at most
 * (spec/runtime/plan-size.spec.ts), which is what limits need.
 */
/** n / shrink rounded half up; a quotient a rounding error away from a half counts as the half. */
function side(n: number, shrink: number): number {
  const q = n / shrink;
  return Math.abs(q - Math.floor(q) - 0.5) < 1e-9 ? Math.ceil(q) : Math.round(q);
}

function resizedSize(input: Size, p: Params): Size {
  const { width: w, height: h } = input;
  const { width: tw, height: th } = targetSize(p);
  let hs = 1;
  let vs = 1;
  if (tw && th) {
    hs = w / tw;
    vs = h / th;
    if (p.fit === 'cover' || p.fit === 'outside') hs = vs = Math.min(hs, vs);
    else if (p.fit === 'contain' || p.fit === 'inside') hs = vs = Math.max(hs, vs);
  } else if (tw) {
    hs = w / tw;
    if (p.fit !== 'fill') vs = hs;
  } else if (th) {
    vs = h / th;
    if (p.fit !== 'fill') hs = vs;
  }
  if (!p.enlarge) {
    hs = Math.max(1, hs);
    vs = Math.max(1, vs);
  }
  const scaled = { width: side(w, Math.min(hs, w)), height: side(h, Math.min(vs, h)) };
  const box = { width: tw ?? scaled.width, height: th ?? scaled.height };
  if (p.fit === 'contain') return { width: Math.max(scaled.width, box.width), height: Math.max(scaled.height, box.height) };
  if (p.fit === 'cover') return { width: Math.min(scaled.width, box.width), height: Math.min(scaled.height, box.height) };
  return scaled;
}

/** Width and height in device pixels: the CSS-pixel sizes times the device pixel ratio. */
export function targetSize(p: Params): { width?: number; height?: number } {
  const dpr = (p.dpr as number | undefined) ?? 1;
  const scale = (v: unknown) => (typeof v === 'number' ? Math.max(1, Math.round(v * dpr)) : undefined);
  return { width: scale(p.width), height: scale(p.height) };
}

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
    position: {
      type: 'enum',
      values: ['centre', 'north', 'northeast', 'east', 'southeast', 'south', 'southwest', 'west', 'northwest', 'entropy', 'attention'],
      default: 'centre',
      description: "What fit 'cover' keeps (and where 'contain' places the image): a gravity, or entropy/attention to keep the busiest region",
    },
    dpr: { type: 'number', min: 1, max: 4, default: 1, description: 'Device pixel ratio: width and height are multiplied by it (srcset 2x)' },
  },
  /** Each frame of an animation is resized alike (sharp resizes animated images page by page). */
  frames: true,
  identity: (p) => p.width === undefined && p.height === undefined,
  outputSize: resizedSize,
  sharp: {
    slot: slot.resize,
    apply: (pipe, p) =>
      pipe.resize({
            ...targetSize(p),
            fit: p.fit as 'inside',
            position: p.position as string,
            kernel: p.kernel as 'lanczos3',
            withoutEnlargement: !p.enlarge,
            background: p.background as string,
          }),
  },
});
