/**
 * A signed URL's `expires` (unix seconds): the graph routes and the upload routes honour it
 * alike, so it is parsed and checked here once.
 */
import { errors } from '../../runtime/errors.ts';

const EXPIRES = /^[0-9]{1,12}$/;

/** The signed `expires` (unix seconds), undefined when absent; 400 when not one whole number. */
export function parseExpires(rawQuery: string): number | undefined {
  // Cheap test first: most URLs carry no expiry.
  if (!rawQuery.includes('expires')) return undefined;
  const values = new URLSearchParams(rawQuery).getAll('expires');
  if (values.length === 0) return undefined;
  if (values.length > 1 || !EXPIRES.test(values[0])) {
    throw errors.IMGFLOW_ERR_AUTH_EXPIRES_INVALID({ parameter: 'expires' }, undefined, JSON.stringify(values.length > 1 ? values : values[0]));
  }
  return Number(values[0]);
}

/** 403 IMGFLOW_ERR_AUTH_EXPIRED once `expires` (plus the tolerated skew) is past. */
export function checkExpiry(expires: number | undefined, skewSeconds: number): void {
  if (expires !== undefined && expires + skewSeconds < Date.now() / 1000) {
    throw errors.IMGFLOW_ERR_AUTH_EXPIRED({ expires }, undefined, new Date(expires * 1000).toISOString());
  }
}
