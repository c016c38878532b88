/**
 * Variant sets: what an upload is turned into. A set names its variants; each variant is any
 * graph with parameters and an output format (`{graph: "retro", format: "webp", params:
 * {width: 800}}`). Sets come from IMGFLOW_UPLOAD_SETS (JSON text or a file), may be limited to
 * some apps, and an app may get another default set than `default`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { OutputFormat } from '../../operations/define.ts';
import { canonicalJson } from '../cache/key.ts';
import { errors } from '../../runtime/errors.ts';
import { formatFromExtension } from '../formats.ts';

export type VariantParam = string | number | boolean;

export interface VariantSpec {
  graph: string;
  format: OutputFormat;
  params: Record<string, VariantParam>;
}

export interface VariantSet {
  name: string;
  variants: Map<string, VariantSpec>;
  /** Keys of the apps that may use it; undefined: any app (and unsigned uploads). */
  apps?: readonly string[];
}

export interface UploadSets {
  get(name: string): VariantSet | undefined;
  /** The set an upload without `set=` gets: the app's own default, else `default`. */
  defaultFor(app: string | undefined): string;
  /** The sets `app` may use (undefined: unsigned or admin, which may use any). */
  namesFor(app: string | undefined, admin: boolean): string[];
  list(): VariantSet[];
}

export const VARIANT_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;
/**
 * Never variant names: `original` and `owner` are an upload's own records (store.ts; a variant
 * named `owner` would collide with an app's owner mark, so sets naming one are refused at start)
 * and `original` a route; `manifest` names no record any more (manifest.ts) but stays reserved
 * for the sets that named none before.
 */
export const RESERVED = new Set(['original', 'manifest', 'owner']);

/**
 * The set used when none is configured. Full size (no cap): the input pixel limit
 * (IMGFLOW_MAX_INPUT_PIXELS) already bounds it, and a site that wants a cap says so in its set.
 * Qualities are each encoder's generic default unless given here (AVIF 50 reads like JPEG 80).
 */
export const DEFAULT_SET = {
  default: {
    variants: {
      webp: { graph: 'passthrough', format: 'webp', params: { quality: 80 } },
      avif: { graph: 'passthrough', format: 'avif', params: { quality: 50 } },
      jpeg: { graph: 'passthrough', format: 'jpeg', params: { quality: 82 } },
      thumbnail: { graph: 'passthrough', format: 'png', params: { width: 256, height: 256, fit: 'inside' } },
    },
  },
};

/** Identifies a variant's definition: part of its URL (`?v=`), so a redefined variant is a new URL. */
export function specHash(spec: VariantSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('base64url').slice(0, 12);
}

function bad(problem: string): never {
  throw errors.IMGFLOW_ERR_CONFIG_INVALID({ setting: 'IMGFLOW_UPLOAD_SETS', problem }, undefined, `IMGFLOW_UPLOAD_SETS: ${problem}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseVariant(where: string, v: unknown): VariantSpec {
  if (!isObject(v)) bad(`${where} must be an object {graph, format, params}`);
  for (const k of Object.keys(v)) if (!['graph', 'format', 'params'].includes(k)) bad(`${where}: unknown field ${JSON.stringify(k)} (fields: graph, format, params)`);
  if (typeof v.graph !== 'string' || v.graph === '') bad(`${where}.graph must be a graph name`);
  if (typeof v.format !== 'string') bad(`${where}.format must be an output format (jpeg, png, webp, avif, tiff, gif)`);
  let format: OutputFormat;
  try {
    format = formatFromExtension(v.format);
  } catch {
    bad(`${where}.format ${JSON.stringify(v.format)} is not an output format (jpeg, png, webp, avif, tiff, gif)`);
  }
  const params: Record<string, VariantParam> = {};
  if (v.params !== undefined) {
    if (!isObject(v.params)) bad(`${where}.params must be an object of parameter values`);
    for (const [k, value] of Object.entries(v.params)) {
      if (k === 'input') bad(`${where}.params: input is the upload itself`);
      if (!['string', 'number', 'boolean'].includes(typeof value)) bad(`${where}.params.${k} must be a string, number or boolean`);
      params[k] = value as VariantParam;
    }
  }
  return { graph: v.graph, format, params };
}

/** Parses the sets document: `{"sets": {name: {variants: {...}, apps?: [...]}}, "appDefaults"?: {appKey: setName}}`. */
export function parseUploadSets(doc: unknown): UploadSets {
  if (!isObject(doc)) bad('expected a JSON object {"sets": {...}}');
  for (const k of Object.keys(doc)) if (!['sets', 'appDefaults'].includes(k)) bad(`unknown field ${JSON.stringify(k)} (fields: sets, appDefaults)`);
  if (!isObject(doc.sets) || Object.keys(doc.sets).length === 0) bad('"sets" must name at least one set');
  const sets = new Map<string, VariantSet>();
  // One name, one definition across sets: a variant's URL must not depend on the set that made it.
  const seen = new Map<string, string>();
  for (const [name, raw] of Object.entries(doc.sets)) {
    if (!VARIANT_NAME.test(name)) bad(`set name ${JSON.stringify(name)}: 1-32 of a-z 0-9 -`);
    if (!isObject(raw)) bad(`sets.${name} must be an object {variants, apps?}`);
    for (const k of Object.keys(raw)) if (!['variants', 'apps'].includes(k)) bad(`sets.${name}: unknown field ${JSON.stringify(k)} (fields: variants, apps)`);
    if (!isObject(raw.variants) || Object.keys(raw.variants).length === 0) bad(`sets.${name}.variants must name at least one variant`);
    const variants = new Map<string, VariantSpec>();
    for (const [vname, v] of Object.entries(raw.variants)) {
      if (!VARIANT_NAME.test(vname) || RESERVED.has(vname)) bad(`variant name ${JSON.stringify(vname)} in set ${name}: 1-32 of a-z 0-9 -, not original, manifest or owner`);
      const spec = parseVariant(`sets.${name}.variants.${vname}`, v);
      const text = canonicalJson(spec);
      if (seen.has(vname) && seen.get(vname) !== text) bad(`variant ${vname} is defined differently in two sets; give one of them another name`);
      seen.set(vname, text);
      variants.set(vname, spec);
    }
    let apps: string[] | undefined;
    if (raw.apps !== undefined) {
      if (!Array.isArray(raw.apps) || !raw.apps.every((a) => typeof a === 'string')) bad(`sets.${name}.apps must be a list of app keys`);
      apps = raw.apps as string[];
    }
    sets.set(name, { name, variants, ...(apps ? { apps } : {}) });
  }
  const appDefaults = new Map<string, string>();
  if (doc.appDefaults !== undefined) {
    if (!isObject(doc.appDefaults)) bad('"appDefaults" must map app keys to set names');
    for (const [app, set] of Object.entries(doc.appDefaults)) {
      if (typeof set !== 'string' || !sets.has(set)) bad(`appDefaults.${app} names no set`);
      appDefaults.set(app, set);
    }
  }
  const mayUse = (s: VariantSet, app: string | undefined, admin: boolean) => admin || !s.apps || (app !== undefined && s.apps.includes(app));
  return {
    get: (name) => sets.get(name),
    defaultFor: (app) => (app !== undefined ? appDefaults.get(app) : undefined) ?? 'default',
    namesFor: (app, admin) => [...sets.values()].filter((s) => mayUse(s, app, admin)).map((s) => s.name),
    list: () => [...sets.values()],
  };
}

/** IMGFLOW_UPLOAD_SETS: JSON text (starts with `{`) or the path of a JSON file; unset: DEFAULT_SET. */
export function loadUploadSets(setting: string | undefined): UploadSets {
  if (setting === undefined || setting.trim() === '') return parseUploadSets({ sets: DEFAULT_SET });
  let text = setting;
  if (!setting.trim().startsWith('{')) {
    if (!existsSync(setting)) bad(`${setting} is neither JSON text nor a readable file`);
    text = readFileSync(setting, 'utf8');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    bad(`not JSON: ${(err as Error).message}`);
  }
  return parseUploadSets(doc);
}
