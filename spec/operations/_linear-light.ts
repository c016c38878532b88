/**
 * The exact sRGB curves, in double precision, for specs that write an operation out
 * independently of its code (tables, float32) and compare.
 */
export const toLinear = (v: number) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
};

export const toSrgb = (l: number) => {
  const c = l <= 0 ? 0 : l >= 1 ? 1 : l <= 0.0031308 ? l * 12.92 : 1.055 * l ** (1 / 2.4) - 0.055;
  return Math.round(c * 255);
};

/** The largest difference between two sample arrays and how many samples differ at all. */
export function sampleDifference(got: ArrayLike<number>, want: ArrayLike<number>): { worst: number; differing: number } {
  let worst = 0, differing = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    worst = Math.max(worst, d);
    if (d > 0) differing++;
  }
  return { worst, differing };
}
