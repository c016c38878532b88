import { defineOperation } from './define.ts';
import { slot } from './sharp-order.ts';

/** sharp's blur rejects sigma below 0.3; below that a Gaussian is visually the identity. */
const MIN_SIGMA = 0.3;
/** sharp's convolve takes kernels of at most 1001 taps: radius 500, so 3 sigma <= 500. */
const MAX_1D_SIGMA = 500 / 3;

/** A 1-D Gaussian as the middle row of a 3-row kernel (sharp wants both sides odd and >= 3). */
function gaussianKernel(sigma: number, horizontal: boolean) {
  const radius = Math.ceil(3 * sigma), taps = 2 * radius + 1;
  const row = Array.from({ length: taps }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const kernel = new Array<number>(3 * taps).fill(0);
  // Row-major 3 x taps (horizontal) or taps x 3 (vertical): the middle row/column holds the taps.
  row.forEach((v, i) => (kernel[horizontal ? taps + i : i * 3 + 1] = v));
  return { width: horizontal ? taps : 3, height: horizontal ? 3 : taps, kernel, scale: row.reduce((a, b) => a + b, 0) };
}

export default defineOperation({
  name: 'gaussian-blur',
  title: 'Gaussian Blur',
  description: 'Averages neighbouring pixels weighted by a normal distribution, with separate horizontal and vertical sizes (their difference is capped near 166 px)',
  icon: 'tint',
  category: 'blur',
  inputs: { input: { description: 'Image to blur' } },
  params: {
    'std-dev-x': { type: 'number', default: 1.5, min: 0, max: 1000, uiMax: 100, unit: 'px', description: 'Standard deviation of the horizontal blur, in pixels' },
    'std-dev-y': { type: 'number', default: 1.5, min: 0, max: 1000, uiMax: 100, unit: 'px', description: 'Standard deviation of the vertical blur, in pixels' },
    'abyss-policy': {
      type: 'enum', values: ['clamp', 'none', 'black'], default: 'clamp',
      description: 'How pixels beyond the edge are treated. libvips always repeats the edge pixels (clamp); none and black are accepted for imgflo graphs and behave as clamp',
    },
  },
  sharp: {
    slot: slot.blur,
    apply: (pipe, p) => {
      const sx = p['std-dev-x'] as number, sy = p['std-dev-y'] as number;
      // A Gaussian(sx, sy) is an isotropic Gaussian(min) followed by a 1-D Gaussian of
      // sqrt(max^2 - min^2) along the longer axis: blur and convolve are both in one pipeline.
      const common = Math.min(sx, sy);
      if (common >= MIN_SIGMA) pipe = pipe.blur(common);
      const rest = Math.min(MAX_1D_SIGMA, Math.sqrt(Math.max(sx, sy) ** 2 - (common >= MIN_SIGMA ? common ** 2 : 0)));
      if (rest < MIN_SIGMA) return pipe;
      return pipe.convolve(gaussianKernel(rest, sx > sy));
    },
  },
});
