import type { S3Client } from '@aws-sdk/client-s3';
import { errors } from '../../runtime/errors.ts';
import { assertCacheKey, assertCachePrefix, etagFor } from './key.ts';
import type { CachedEntry, CachedHead, ResultStore } from './types.ts';

export interface S3StoreOptions {
  bucket: string;
  /** Prepended to every key, e.g. `results/`; a missing trailing slash is added. Default none. */
  prefix?: string;
  /** Default `us-east-1`. */
  region?: string;
  /** For S3-compatible services, e.g. `http://127.0.0.1:4569`; default AWS. */
  endpoint?: string;
  /** `<endpoint>/<bucket>/<key>` instead of `<bucket>.<endpoint>/<key>`. Default false. */
  forcePathStyle?: boolean;
  /** Default: the SDK's chain (env, shared config, instance role...). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** A CDN (or website) origin in front of the bucket; `publicUrl` then gives `<publicBaseUrl>/<prefix><key>`. */
  publicBaseUrl?: string;
  /** Cache-Control stored with each object, so S3 and any CDN serve it. Default `public, max-age=86400`. */
  cacheControl?: string;
  /** TCP connect limit in ms. Default 1000. */
  connectTimeoutMs?: number;
  /** Whole request limit in ms (connect to last byte). Default 5000. */
  requestTimeoutMs?: number;
  /** Attempts per operation, first one included. Default 2 (one retry). */
  maxAttempts?: number;
}

export interface S3Store extends ResultStore {
  readonly name: 's3';
  deletePrefix(prefix: string): Promise<number>;
  publicUrl(key: string): string;
  /** Closes the client's sockets (shutdown, tests). */
  close(): void;
}

// Our own metadata (x-amz-meta-*). S3 lower-cases metadata names and only carries ASCII
// values, so user `meta` travels as one URI-encoded JSON value instead of one header each.
const META_ETAG = 'imgflow-etag';
const META_CREATED_AT = 'imgflow-created-at';
const META_EXTRA = 'imgflow-meta';

/** Our `meta` from an object's metadata; unreadable extras are not worth failing a hit for. */
function readExtra(metadata: Record<string, string> | undefined): Record<string, string> | undefined {
  const text = metadata?.[META_EXTRA];
  if (!text) return undefined;
  try {
    return JSON.parse(decodeURIComponent(text)) as Record<string, string>;
  } catch {
    return undefined;
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

function trimSlashes(s: string): string {
  return s.replace(/\/+$/, '');
}

function normalisePrefix(prefix: string | undefined): string {
  if (!prefix) return '';
  const p = prefix.endsWith('/') ? prefix : `${prefix}/`;
  assertCachePrefix(p);
  return p;
}

/** Results as S3 objects, built to fail fast: short timeouts and at most `maxAttempts` tries. */
export function createS3Store(options: S3StoreOptions): S3Store {
  const {
    bucket,
    region = 'us-east-1',
    endpoint,
    forcePathStyle = false,
    credentials,
    publicBaseUrl,
    cacheControl = 'public, max-age=86400',
    connectTimeoutMs = 1000,
    requestTimeoutMs = 5000,
    maxAttempts = 2,
  } = options;
  if (!bucket) throw errors.IMGFLOW_ERR_CONFIG_INVALID({ option: 'bucket' }, undefined, 'the S3 cache needs a bucket');
  const prefix = normalisePrefix(options.prefix);
  // The SDK is loaded on first use, not at start: a server without S3 never loads it (~20 MB
  // of RSS, bench/README.md "Memory").
  let connection: Promise<{ client: S3Client; sdk: typeof import('@aws-sdk/client-s3') }> | undefined;
  let connected: S3Client | undefined;
  const connect = () => connection ??= import('@aws-sdk/client-s3').then((sdk) => {
    connected = new sdk.S3Client({
      region,
      forcePathStyle,
      maxAttempts,
      ...(endpoint ? { endpoint } : {}),
      ...(credentials ? { credentials } : {}),
      requestHandler: {
        connectionTimeout: connectTimeoutMs,
        requestTimeout: requestTimeoutMs,
        // Without this the SDK only logs a warning when requestTimeout passes.
        throwOnRequestTimeout: true,
      },
    });
    return { client: connected, sdk };
  });
  const base = publicBase();

  function publicBase(): string {
    if (publicBaseUrl) return trimSlashes(publicBaseUrl);
    if (endpoint) {
      const url = new URL(endpoint);
      const path = trimSlashes(url.pathname);
      return forcePathStyle ? `${url.origin}${path}/${bucket}` : `${url.protocol}//${bucket}.${url.host}${path}`;
    }
    return forcePathStyle ? `https://s3.${region}.amazonaws.com/${bucket}` : `https://${bucket}.s3.${region}.amazonaws.com`;
  }

  const objectKey = (key: string) => prefix + key;

  return {
    name: 's3',
    async get(key) {
      assertCacheKey(key);
      const { client, sdk } = await connect();
      let res;
      try {
        res = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
      const array = await res.Body!.transformToByteArray();
      const bytes = Buffer.from(array.buffer, array.byteOffset, array.byteLength);
      const metadata = res.Metadata ?? {};
      const entry: CachedEntry = {
        bytes,
        contentType: res.ContentType ?? 'application/octet-stream',
        // An object written by something else has no etag of ours: derive the same one.
        etag: metadata[META_ETAG] ?? etagFor(bytes),
        createdAt: Number(metadata[META_CREATED_AT]) || res.LastModified?.getTime() || 0,
      };
      const meta = readExtra(metadata);
      if (meta) entry.meta = meta;
      return entry;
    },
    async head(key): Promise<CachedHead | undefined> {
      assertCacheKey(key);
      const { client, sdk } = await connect();
      try {
        const res = await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
        const head: CachedHead = {
          etag: res.Metadata?.[META_ETAG] ?? res.ETag ?? '',
          contentType: res.ContentType ?? 'application/octet-stream',
          size: res.ContentLength ?? 0,
        };
        const meta = readExtra(res.Metadata);
        if (meta) head.meta = meta;
        return head;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async put(key, entry) {
      assertCacheKey(key);
      const { client, sdk } = await connect();
      const metadata: Record<string, string> = { [META_ETAG]: entry.etag, [META_CREATED_AT]: String(entry.createdAt) };
      if (entry.meta && Object.keys(entry.meta).length) metadata[META_EXTRA] = encodeURIComponent(JSON.stringify(entry.meta));
      await client.send(new sdk.PutObjectCommand({
        Bucket: bucket,
        Key: objectKey(key),
        Body: entry.bytes,
        ContentType: entry.contentType,
        ContentLength: entry.bytes.length,
        CacheControl: cacheControl,
        Metadata: metadata,
      }));
    },
    async delete(key) {
      assertCacheKey(key);
      const { client, sdk } = await connect();
      await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
    },
    async deletePrefix(keyPrefix) {
      assertCachePrefix(keyPrefix);
      const { client, sdk } = await connect();
      let removed = 0;
      let token: string | undefined;
      do {
        // Each page holds at most 1000 keys, which is also DeleteObjects' limit.
        const page = await client.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: objectKey(keyPrefix), ContinuationToken: token }));
        const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
        if (keys.length) {
          const res = await client.send(new sdk.DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
          const failed = res.Errors ?? [];
          if (failed.length) {
            throw new Error(`S3 DeleteObjects failed for ${failed.length} of ${keys.length} objects, first ${failed[0].Key}: ${failed[0].Code} ${failed[0].Message}`);
          }
          removed += keys.length;
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return removed;
    },
    publicUrl(key) {
      assertCacheKey(key);
      return `${base}/${objectKey(key).split('/').map(encodeURIComponent).join('/')}`;
    },
    close() {
      connected?.destroy();
    },
  };
}
