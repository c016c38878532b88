/**
 * Where uploads live: the result cache's store kinds (server/cache), but a store of their own.
 * Uploads are data, not cache: the disk one is never evicted (the result cache's disk budget
 * and LRU would delete originals), and neither shares a key space with results (an admin purge
 * of a graph named `uploads` must not delete them). Keys, under the store's root or prefix:
 *
 *   <id>/original          the uploaded bytes (its width and height in the entry's metadata)
 *   <id>/<variant>.<spec>  one variant, per definition (sets.ts specHash): a redefined variant
 *                          is another key, so the bytes under a served `?v=` never change
 *   <id>/owner.<app>       an app that uploaded them (`<id>/owner`: without an app)
 *
 * One store per config object, shared by the routes, the `upload:` input and job runs in this
 * process (a worker process builds the same one from the same settings).
 */
import { createDiskStore, type CachedEntry, type ResultStore } from '../cache/index.ts';
import { s3StoreFrom } from '../cache/s3-from-config.ts';
import { etagFor } from '../cache/key.ts';
import { uploadStoreKind, type Config } from '../config.ts';
import { errors } from '../../runtime/errors.ts';

export const UPLOAD_ID = /^[0-9a-f]{64}$/;

export interface UploadStore {
  readonly store: ResultStore;
  readonly name: string;
  close(): void;
}

const stores = new WeakMap<object, UploadStore>();

function build(config: Config): UploadStore {
  const store: ResultStore & { close?: () => void } = uploadStoreKind(config) === 's3'
    // A key names its bytes (the original: their hash; a variant: its definition), so no object changes under its URL.
    ? s3StoreFrom(config, { prefix: config.uploadS3Prefix, cacheControl: `public, max-age=${config.signedMaxAgeSeconds}, immutable` })
    : createDiskStore({ directory: config.uploadDir, maxBytes: 0 });
  return { store, name: store.name, close: () => store.close?.() };
}

/** The upload store of this config (built on first use). */
export function uploadStoreFor(config: Config): UploadStore {
  let s = stores.get(config);
  if (!s) {
    s = build(config);
    stores.set(config, s);
  }
  return s;
}

/** Closes the config's upload store if one was built (its next use builds a new one). */
export function closeUploadStore(config: Config): void {
  const s = stores.get(config);
  if (!s) return;
  stores.delete(config);
  s.close();
}

export const keys = {
  original: (id: string) => `${id}/original`,
  /** Variant names have no dot (sets.ts VARIANT_NAME): `<name>.<spec>` is never another record's key. */
  variant: (id: string, name: string, spec: string) => `${id}/${name}.${spec}`,
  owner: (id: string, app: string) => `${id}/owner.${Buffer.from(app).toString('base64url')}`,
  /** The owner mark of uploads made without an app (open mode, admin tokens). */
  anonymousOwner: (id: string) => `${id}/owner`,
  all: (id: string) => `${id}/`,
};

export function checkUploadId(id: string): void {
  if (!UPLOAD_ID.test(id)) throw errors.IMGFLOW_ERR_UPLOAD_NOT_FOUND({ upload: id.slice(0, 80) }, undefined, JSON.stringify(id.slice(0, 80)));
}

/** A small JSON document as a store entry. */
export function jsonEntry(value: unknown): CachedEntry {
  const bytes = Buffer.from(JSON.stringify(value));
  return { bytes, contentType: 'application/json', etag: etagFor(bytes), createdAt: Date.now() };
}

/** The upload's original bytes, for a job or an `input=upload:<id>`; 404 when there is none. */
export async function readOriginal(config: Config, id: string): Promise<CachedEntry> {
  checkUploadId(id);
  const entry = await uploadStoreFor(config).store.get(keys.original(id));
  if (!entry) throw errors.IMGFLOW_ERR_UPLOAD_NOT_FOUND({ upload: id }, undefined, id);
  return entry;
}
