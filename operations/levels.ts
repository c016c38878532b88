import { defineOperation, type Params } from './define.ts';
import { inUnit, point } from './kernels/descriptor.ts';

/** Intervals of the gamma table (samples at t = i / LEVELS_TABLE). */
export const LEVELS_TABLE = 1024;
/** Error allowed to the interpolated table (an 8-bit step is 3.9e-3). */
const TABLE_ERROR = 3e-5;

/**
 * Table index below which linear interpolation of t^e would err by more than TABLE_ERROR, so
 * the kernel calls Math.pow there (t = 0 excepted: the table is exact at samples). Only
 * e < 1 (gamma > 1) is steep enough near 0 to need it; capped at 16 (t = 1/64).
 */
export function exactBelow(e: number): number {
  if (e >= 1) return 0;
  // interpolation error ~ h^2 / 8 * |f''(t)|, f'' = e (e - 1) t^(e - 2), h = 1 / LEVELS_TABLE
  const h2 = 1 / (LEVELS_TABLE * LEVELS_TABLE);
  const t = Math.pow(TABLE_ERROR / (h2 / 8 * e * (1 - e)), 1 / (e - 2));
  return Math.min(16, Math.ceil(t * LEVELS_TABLE));
}

export function levelsUniforms(p: Params): number[] {
  const lo = Number(p['in-low'] ?? 0), hi = Number(p['in-high'] ?? 1);
  const e = 1 / Number(p.gamma ?? 1);
  const ol = Number(p['out-low'] ?? 0), range = Number(p['out-high'] ?? 1) - ol;
  const out = [lo, 1 / Math.max(hi - lo, 0.000001), e, ol, range, exactBelow(e)];
  // LEVELS_TABLE + 2 samples: the last repeats t = 1, so index i + 1 never needs a clamp.
  for (let i = 0; i <= LEVELS_TABLE + 1; i++) out.push(ol + Math.pow(Math.min(i / LEVELS_TABLE, 1), e) * range);
  return out;
}

export default defineOperation({
  name: 'levels',
  title: 'Levels',
  description: 'Stretches the input range in-low..in-high to out-low..out-high with a gamma on the way',
  icon: 'sliders',
  category: 'color',
  inputs: { input: { description: 'Image to adjust' } },
  params: {
    'in-low': { type: 'number', default: 0, min: 0, max: 1, description: 'Input value that becomes out-low' },
    'in-high': { type: 'number', default: 1, min: 0, max: 1, description: 'Input value that becomes out-high' },
    gamma: { type: 'number', default: 1, min: 0.1, max: 10, description: 'Midtone gamma: above 1 brightens, below 1 darkens' },
    'out-low': { type: 'number', default: 0, min: 0, max: 1, description: 'Output value for in-low and below' },
    'out-high': { type: 'number', default: 1, min: 0, max: 1, description: 'Output value for in-high and above' },
  },
  kernel: point({
    // [in-low, 1/(in-high - in-low), 1/gamma, out-low, out-high - out-low, exactBelow, table...]:
    // the gamma curve (with the output range folded in) as a table of LEVELS_TABLE + 2
    // samples, interpolated linearly. Math.pow per channel was most of this op's cost (40 ns
    // a call here); the table is within 3e-5 of t^(1/gamma) for any gamma in 0.1..10 except
    // just above 0 when gamma > 1, where the kernel still calls Math.pow (exactBelow).
    uniforms: (p) => levelsUniforms(p),
    // every output is out-low + (0..1) * (out-high - out-low)
    range: (p) => (inUnit(p['out-low'] ?? 0) && inUnit(p['out-high'] ?? 1) ? 'unit' : undefined),
    source: (k) => ['r', 'g', 'b'].map((c) => {
      const [t, f, i] = ['t', 'f', 'i'].map((x) => k.v(x + c));
      return `const ${t} = Math.min(Math.max((${c} - ${k.p(0)}) * ${k.p(1)}, 0.0), 1.0);
const ${f} = ${t} * ${LEVELS_TABLE}.0;
if (${f} < ${k.p(5)}) {
  ${c} = ${k.p(3)} + Math.pow(${t}, ${k.p(2)}) * ${k.p(4)};
} else {
  const ${i} = Math.floor(${f});
  ${c} = ${k.pAt(`6 + ${i}`)} + (${k.pAt(`7 + ${i}`)} - ${k.pAt(`6 + ${i}`)}) * (${f} - ${i});
}
`;
    }).join(''),
  }),
});
