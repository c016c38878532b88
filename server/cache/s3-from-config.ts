/**
 * An S3 store built from the server's settings (bucket, connection, credentials), under a
 * prefix and Cache-Control of the caller's: the result cache and the upload store share the
 * bucket settings but not their keys or lifetimes. Beside s3.ts, which knows no config.
 */
import type { Config } from '../config.ts';
import { createS3Store } from './s3.ts';
import type { ResultStore } from './types.ts';

/** An S3 store on the configured bucket and connection settings, under `prefix`. */
export function s3StoreFrom(config: Config, where: { prefix: string | undefined; cacheControl: string }): ResultStore & { close?: () => void } {
  return createS3Store({
    bucket: config.s3Bucket!,
    prefix: where.prefix,
    region: config.s3Region,
    endpoint: config.s3Endpoint,
    forcePathStyle: config.s3ForcePathStyle,
    credentials: config.s3AccessKeyId && config.s3SecretAccessKey
      ? { accessKeyId: config.s3AccessKeyId, secretAccessKey: config.s3SecretAccessKey }
      : undefined,
    publicBaseUrl: config.s3PublicBaseUrl,
    cacheControl: where.cacheControl,
    connectTimeoutMs: config.s3ConnectTimeoutMs,
    requestTimeoutMs: config.s3RequestTimeoutMs,
  });
}
