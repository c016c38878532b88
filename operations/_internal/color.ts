import type { Rgba } from '../define.ts';

/**
 * Colour parameters arrive normalised by the runtime as `#rrggbbaa`; `#rgb[a]` and `#rrggbb`
 * are tolerated for direct callers. The one colour parser on the operations side.
 */
export function rgba(hex: string): Rgba {
  let s = String(hex).trim().replace(/^#/, '');
  if (s.length === 3 || s.length === 4) s = [...s].map((c) => c + c).join('');
  if (!/^[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/.test(s)) throw new Error(`Expected a #rrggbbaa colour but received ${hex}`);
  const v = (i: number) => parseInt(s.slice(i, i + 2), 16);
  return { r: v(0), g: v(2), b: v(4), alpha: s.length === 8 ? v(6) / 255 : 1 };
}
