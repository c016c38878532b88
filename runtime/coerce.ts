/**
 * Parameter coercion: URL query strings, .fbp IIPs and JSON values become typed values,
 * checked against the port's spec. One function, so HTTP, the CLI and the FBP runtime
 * agree on what `width=abc` means.
 */
import type { ParamSpec, Rgba } from '../operations/define.ts';
import { errors } from './errors.ts';
import { cssColors } from './_internal/css-colors.ts';
import { ownValue } from './own-keys.ts';

export type ParamValue = number | boolean | string;

/** "integer between 0 and 2000", "one of none, clamp, black", ... */
export function describeAccepts(spec: ParamSpec): string {
  switch (spec.type) {
    case 'int':
    case 'number': {
      const noun = spec.type === 'int' ? 'integer' : 'number';
      if (spec.min !== undefined && spec.max !== undefined) return `${noun} between ${spec.min} and ${spec.max}`;
      if (spec.min !== undefined) return `${noun} >= ${spec.min}`;
      if (spec.max !== undefined) return `${noun} <= ${spec.max}`;
      return noun;
    }
    case 'boolean':
      return 'boolean (true or false)';
    case 'enum':
      return `one of ${(spec.values ?? []).join(', ')}`;
    case 'color':
      return 'colour (#rgb, #rgba, #rrggbb, #rrggbbaa or a CSS name)';
    case 'string':
      return 'string';
    case 'image':
      return 'image URL (http or https)';
  }
}

function invalid(name: string, spec: ParamSpec, raw: unknown): never {
  const shown = typeof raw === 'string' ? JSON.stringify(raw) : String(raw);
  throw errors.IMGFLOW_ERR_PARAM_INVALID(
    { parameter: name, accepts: describeAccepts(spec), received: raw },
    undefined,
    describeAccepts(spec),
    name,
    `${shown} of type ${typeof raw}`,
  );
}

/** Decimal notation only: Number() would also take '0x10', '0b1' and '' (as 0). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function toNumber(raw: unknown): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' && DECIMAL.test(raw.trim())) return Number(raw);
  return NaN;
}

function inRange(spec: ParamSpec, n: number): boolean {
  return (spec.min === undefined || n >= spec.min) && (spec.max === undefined || n <= spec.max);
}

/** Parses a CSS colour to channels, or undefined. */
export function parseColor(raw: string): Rgba | undefined {
  const s = raw.trim().toLowerCase();
  if (s === 'transparent') return { r: 0, g: 0, b: 0, alpha: 0 };
  const named = ownValue(cssColors, s);
  if (named !== undefined) return { r: named >> 16, g: (named >> 8) & 255, b: named & 255, alpha: 1 };
  const m = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/.exec(s);
  if (!m) return undefined;
  let hex = m[1];
  if (hex.length <= 4) hex = [...hex].map((c) => c + c).join('');
  const v = (i: number) => parseInt(hex.slice(i, i + 2), 16);
  return { r: v(0), g: v(2), b: v(4), alpha: hex.length === 8 ? v(6) / 255 : 1 };
}

/** `#rrggbbaa`, the one form operations receive. */
export function formatColor(c: Rgba): string {
  const h = (n: number) => Math.round(n).toString(16).padStart(2, '0');
  return `#${h(c.r)}${h(c.g)}${h(c.b)}${h(c.alpha * 255)}`;
}

export function coerceParam(name: string, spec: ParamSpec, raw: unknown): ParamValue {
  switch (spec.type) {
    case 'int': {
      const n = toNumber(raw);
      if (!Number.isInteger(n) || !inRange(spec, n)) invalid(name, spec, raw);
      return n;
    }
    case 'number': {
      const n = toNumber(raw);
      if (!Number.isFinite(n) || !inRange(spec, n)) invalid(name, spec, raw);
      return n;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string') {
        const s = raw.trim().toLowerCase();
        if (s === 'true' || s === '1') return true;
        if (s === 'false' || s === '0') return false;
      }
      return invalid(name, spec, raw);
    }
    case 'enum': {
      const s = typeof raw === 'string' ? raw.trim() : raw;
      if (typeof s !== 'string' || !(spec.values ?? []).includes(s)) invalid(name, spec, raw);
      return s;
    }
    case 'color': {
      const c = typeof raw === 'string' ? parseColor(raw) : undefined;
      if (!c) invalid(name, spec, raw);
      return formatColor(c);
    }
    case 'image': {
      if (typeof raw !== 'string' || !/^https?:\/\/[^\s]+$/i.test(raw)) invalid(name, spec, raw);
      return raw;
    }
    case 'string': {
      if (typeof raw === 'string') return raw;
      if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
      return invalid(name, spec, raw);
    }
  }
}
