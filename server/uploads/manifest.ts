/**
 * An upload's manifest: its original and every variant made so far (URL, MIME type, size,
 * bytes). Written only by the upload's job (one job id per upload, so never two at once), read
 * by GET /uploads/<id> and POST /uploads.
 */
import type { ResultStore } from '../cache/index.ts';
import { jsonEntry, keys } from './store.ts';

export interface VariantInfo {
  url: string;
  type: string;
  width: number;
  height: number;
  bytes: number;
  etag: string;
  graph: string;
  /** Definition hash (server/uploads/sets.ts specHash): the URL's `?v=`. */
  spec: string;
}

export interface OriginalInfo {
  url: string;
  type: string;
  width: number;
  height: number;
  bytes: number;
}

export interface Manifest {
  id: string;
  original: OriginalInfo;
  variants: Record<string, VariantInfo>;
  updatedAt: number;
}

export const variantUrl = (id: string, name: string, spec: string) => `/uploads/${id}/${name}?v=${spec}`;
export const originalUrl = (id: string) => `/uploads/${id}/original`;

export async function readManifest(store: ResultStore, id: string): Promise<Manifest | undefined> {
  const entry = await store.get(keys.manifest(id));
  return entry ? JSON.parse(entry.bytes.toString('utf8')) as Manifest : undefined;
}

export async function writeManifest(store: ResultStore, manifest: Manifest): Promise<void> {
  await store.put(keys.manifest(manifest.id), jsonEntry(manifest));
}

/** The variants of `names` the manifest has with the wanted definitions; undefined when one is missing. */
export function variantsFor(manifest: Manifest | undefined, wanted: ReadonlyMap<string, string>): Record<string, VariantInfo> | undefined {
  if (!manifest) return undefined;
  const out: Record<string, VariantInfo> = {};
  for (const [name, spec] of wanted) {
    const v = manifest.variants[name];
    if (!v || v.spec !== spec) return undefined;
    out[name] = v;
  }
  return out;
}
