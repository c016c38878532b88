/** Colour helpers shared by kernel operations (host side) and their kernel sources. */
import { rgba } from '../_internal/color.ts';

/** A colour parameter as 0..1 floats, the form kernels take. */
export function parseColor(hex: string): [number, number, number, number] {
  const c = rgba(hex);
  return [c.r / 255, c.g / 255, c.b / 255, c.alpha];
}

export function srgbToLinear(c: number): number {
  return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
}

export function linearToSrgb(c: number): number {
  return c <= 0.0031308 ? c * 12.92 : 1.055 * Math.pow(c, 1 / 2.4) - 0.055;
}

/** Kernel statements: decode `v` (a variable) from sRGB to linear in place. */
export function kSrgbToLinear(v: string): string {
  return `if (${v} <= 0.04045) { ${v} = ${v} / 12.92; } else { ${v} = Math.pow((${v} + 0.055) / 1.055, 2.4); }\n`;
}

/** Kernel statements: encode `v` from linear to sRGB in place (negative values clamp to 0). */
export function kLinearToSrgb(v: string): string {
  return `if (${v} <= 0.0031308) { ${v} = Math.max(${v}, 0) * 12.92; } else { ${v} = 1.055 * Math.pow(${v}, 1 / 2.4) - 0.055; }\n`;
}

/**
 * sRGB <-> linear as lookup tables for kernels: SRGB_TABLE segments over 0..1, interpolated
 * linearly, plus one repeated sample so index i + 1 needs no clamp. Within 2e-5 of the exact
 * curves (worst next to linear -> sRGB's knee at 0.0031308), where a Math.pow costs about
 * 40 ns on the CPU backend and gradient-map did six per pixel. Valid for 0..1 input only.
 */
export const SRGB_TABLE = 4096;
function table(f: (v: number) => number): number[] {
  const out: number[] = [];
  for (let i = 0; i <= SRGB_TABLE; i++) out.push(f(i / SRGB_TABLE));
  out.push(out[SRGB_TABLE]);
  return out;
}
let tables: { toLinear: number[]; toSrgb: number[] } | undefined;
/** [sRGB -> linear table, linear -> sRGB table], each SRGB_TABLE + 2 uniforms. */
export function srgbTables(): number[] {
  tables ??= { toLinear: table(srgbToLinear), toSrgb: table(linearToSrgb) };
  return [...tables.toLinear, ...tables.toSrgb];
}

/**
 * Kernel statements: convert `v` in place through the table at uniform `at` (srgbTables()
 * puts sRGB -> linear at its start and linear -> sRGB SRGB_TABLE + 2 later). `v` must be in
 * 0..1 (`k.unitIn`, or a mix of 0..1 colours); `f` and `i` are free local names.
 */
export function kTableLookup(pAt: (index: string) => string, v: string, at: number, f: string, i: string): string {
  return `const ${f} = ${v} * ${SRGB_TABLE}.0;
const ${i} = Math.floor(${f});
${v} = ${pAt(`${at} + ${i}`)} + (${pAt(`${at + 1} + ${i}`)} - ${pAt(`${at} + ${i}`)}) * (${f} - ${i});
`;
}

/** Rec. 709 luma weights. */
export const LUMA = [0.2126, 0.7152, 0.0722] as const;

/** Parses a whitespace/comma separated list of numbers; null when any item is not finite. */
export function parseNumbers(text: string): number[] | null {
  const items = String(text).trim().split(/[\s,;]+/).filter(Boolean);
  const nums = items.map(Number);
  return nums.every(Number.isFinite) ? nums : null;
}

/**
 * Kernel statements: convert `v` in place by the table where it is in 0..1 and by the exact
 * curve elsewhere (`toSrgb`: linear -> sRGB at `at`, else sRGB -> linear), for values a step
 * computes and may push out of range: GEGL does not clamp between operations, so neither
 * does a fused chain.
 */
export function kConvertChecked(pAt: (index: string) => string, v: string, at: number, toSrgb: boolean, f: string, i: string): string {
  return `if (${v} >= 0.0 && ${v} <= 1.0) {\n${kTableLookup(pAt, v, at, f, i)}} else {\n${toSrgb ? kLinearToSrgb(v) : kSrgbToLinear(v)}}\n`;
}
