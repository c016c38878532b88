/**
 * An upload's manifest: its original and variants (URL, MIME type, size, bytes). There is no
 * manifest file: each variant is stored under a key that names its definition
 * (`<id>/<name>.<spec>`) with its own description in the entry's metadata, so the manifest is
 * read from the heads of the variants asked about. Two jobs (two sets of one upload) each only
 * add entries of their own; nothing is read, changed and written back, so neither can lose the
 * other's variants.
 */
import type { CachedHead, ResultStore } from '../cache/index.ts';
import type { VariantSpec } from './sets.ts';
import { keys } from './store.ts';

export interface VariantInfo {
  url: string;
  type: string;
  width: number;
  height: number;
  bytes: number;
  etag: string;
  graph: string;
  /** Definition hash (server/uploads/sets.ts specHash): the URL's `?v=` and part of the store key. */
  spec: string;
}

export interface OriginalInfo {
  url: string;
  type: string;
  width: number;
  height: number;
  bytes: number;
}

/** A variant to look up: its name and its definition's hash. */
export interface WantedVariant {
  name: string;
  spec: string;
}

export const variantUrl = (id: string, name: string, spec: string) => `/uploads/${id}/${name}?v=${spec}`;
export const originalUrl = (id: string) => `/uploads/${id}/original`;

/** What a variant's entry carries about itself (store metadata is strings). */
export function variantMeta(id: string, name: string, spec: string, v: Pick<VariantSpec, 'graph'>, width: number, height: number): Record<string, string> {
  return { upload: id, variant: name, spec, graph: v.graph, width: String(width), height: String(height) };
}

function variantInfo(id: string, wanted: WantedVariant, head: CachedHead): VariantInfo | undefined {
  const m = head.meta;
  // An entry without its description was not written by this code: not listed rather than guessed.
  if (!m || m.spec !== wanted.spec || !m.width || !m.height) return undefined;
  return {
    url: variantUrl(id, wanted.name, wanted.spec), type: head.contentType, width: Number(m.width), height: Number(m.height),
    bytes: head.size, etag: head.etag, graph: m.graph ?? '', spec: wanted.spec,
  };
}

/** The stored variants among `wanted`, by name (heads only: no variant's bytes are read). */
export async function storedVariants(store: ResultStore, id: string, wanted: readonly WantedVariant[]): Promise<Record<string, VariantInfo>> {
  const heads = await Promise.all(wanted.map((w) => store.head(keys.variant(id, w.name, w.spec))));
  const out: Record<string, VariantInfo> = {};
  wanted.forEach((w, i) => {
    const info = heads[i] && variantInfo(id, w, heads[i]);
    if (info) out[w.name] = info;
  });
  return out;
}

/** All of `wanted`, or undefined while one is missing. */
export async function allVariants(store: ResultStore, id: string, wanted: readonly WantedVariant[]): Promise<Record<string, VariantInfo> | undefined> {
  const found = await storedVariants(store, id, wanted);
  return Object.keys(found).length === wanted.length ? found : undefined;
}

/** The original's description; undefined when the upload does not exist. */
export async function readOriginalInfo(store: ResultStore, id: string): Promise<OriginalInfo | undefined> {
  const head = await store.head(keys.original(id));
  if (!head) return undefined;
  return { url: originalUrl(id), type: head.contentType, width: Number(head.meta?.width ?? 0), height: Number(head.meta?.height ?? 0), bytes: head.size };
}
