/**
 * imgflow/rig/node: rig's signing, synchronous, with node:crypto's HMAC-SHA256. For code that
 * cannot wait for Web Crypto (a next/image loader, an Astro image service's getURL) and runs
 * where the secret may be: Node, never a browser. Same signatures as the async functions.
 *
 * node:crypto is taken with process.getBuiltinModule when first needed, not imported: a bundle
 * for browsers that includes a loader (unsigned there) must not have to resolve it.
 */
import type * as NodeCrypto from 'node:crypto';
import { base64url, constantTimeEqual } from './_internal/encoding.ts';
import { canonicalForm, checkSecret, signedUrlTemplate, type SignedRequest, type SignedUrlOptions } from './sign.ts';

function nodeCrypto(): typeof NodeCrypto {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  const crypto = get?.('node:crypto') as typeof NodeCrypto | undefined;
  if (!crypto) throw new Error('Synchronous signing needs node:crypto (Node >= 20.16): in a browser, sign with the async buildSignedUrl, or on the server');
  return crypto;
}

function hmacSha256(secret: string, message: string): Uint8Array {
  checkSecret(secret);
  return nodeCrypto().createHmac('sha256', secret).update(message, 'utf8').digest();
}

/** signRequest, synchronously. */
export function signRequestSync(secret: string, request: SignedRequest): string {
  return base64url(hmacSha256(secret, canonicalForm(request.graph, request.ext, request.params)));
}

/** verifySignature, synchronously; compares in constant time. */
export function verifySignatureSync(secret: string, request: SignedRequest, signature: string): boolean {
  return typeof signature === 'string' && constantTimeEqual(signRequestSync(secret, request), signature);
}

/** buildSignedUrl, synchronously. */
export function buildSignedUrlSync(options: SignedUrlOptions): string {
  const template = signedUrlTemplate(options);
  return template.url(base64url(hmacSha256(options.secret, template.message)));
}
