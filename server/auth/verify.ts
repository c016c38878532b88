/**
 * Checks one signed request against an app's secrets: imgflow's HMAC-SHA256 over the canonical
 * form (rig/sign.ts, docs/signing.md) and, for apps that opt in, imgflo-server's MD5 token.
 * Node's crypto instead of rig's Web Crypto: same bytes, no async key import per request.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalForm } from '../../rig/sign.ts';
import type { App } from './apps.ts';

export interface SignedParts {
  graph: string;
  ext: string | undefined;
  /** The last path segment exactly as received (imgflo's token covers it raw). */
  rawGraphSegment: string;
  /** The query string exactly as received, with its `?`, or `''` (imgflo's token covers it raw). */
  rawQuery: string;
  signature: string;
}

const IMGFLO_TOKEN = /^[0-9a-f]{32}$/;

/** String equality in time that does not depend on where the strings differ. */
function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Which of `secrets` signs `message` (HMAC-SHA256, base64url) as `signature`; undefined when none does. */
export function hmacSecretIndex(secrets: readonly string[], message: string, signature: string): number | undefined {
  for (let i = 0; i < secrets.length; i++) {
    if (constantTimeEqual(createHmac('sha256', secrets[i]).update(message).digest('base64url'), signature)) return i;
  }
  return undefined;
}

/** `hex(md5(graphWithExt + rawQuery + secret))`, as imgflo-server's checkAuth computed it. */
export function imgfloServerToken(rawGraphSegment: string, rawQuery: string, secret: string): string {
  return createHash('md5').update(rawGraphSegment + rawQuery + secret).digest('hex');
}

/** Which of the app's secrets signs the request, and how; undefined when none does. */
export function verifyRequest(app: App, parts: SignedParts): { scheme: 'hmac' | 'imgflo'; secretIndex: number } | undefined {
  const { signature } = parts;
  if (app.imgfloCompat && IMGFLO_TOKEN.test(signature)) {
    for (let i = 0; i < app.secrets.length; i++) {
      if (constantTimeEqual(imgfloServerToken(parts.rawGraphSegment, parts.rawQuery, app.secrets[i]), signature)) return { scheme: 'imgflo', secretIndex: i };
    }
  }
  // The query decoded as application/x-www-form-urlencoded, then re-encoded canonically.
  const params = new URLSearchParams(parts.rawQuery);
  let message: string;
  try {
    message = canonicalForm(parts.graph, parts.ext, params);
  } catch {
    return undefined; // lone surrogates and the like cannot have been signed
  }
  const secretIndex = hmacSecretIndex(app.secrets, message, signature);
  return secretIndex === undefined ? undefined : { scheme: 'hmac', secretIndex };
}
