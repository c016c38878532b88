import type { Rgba } from '../define.ts';

/** Colour parameters arrive normalised by the runtime as `#rrggbbaa`. */
export function rgba(hex: string): Rgba {
  const v = (i: number) => parseInt(hex.slice(i, i + 2), 16);
  return { r: v(1), g: v(3), b: v(5), alpha: hex.length >= 9 ? v(7) / 255 : 1 };
}
