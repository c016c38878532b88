/** rig/node: synchronous signing gives exactly what the async Web Crypto path gives. */
import { expect } from 'chai';
import fc from 'fast-check';
import { buildSignedUrl, signRequest } from '../../rig/sign.ts';
import { buildSignedUrlSync, signRequestSync, verifySignatureSync } from '../../rig/node.ts';
import { nodeSignature } from './_helpers.ts';

describe('rig/node: synchronous signing', () => {
  it('returns a string, not a promise, equal to the docs/signing.md vector', () => {
    const signature = signRequestSync('secret', { graph: 'noop' });
    expect(signature).to.be.a('string').and.equal('HjHuXNh_gAvSEgbSZhFxcDlPZYHAHIEuVrNmLrZhaf0');
    expect(signature).to.equal(nodeSignature('secret', 'noop\n'));
  });

  it('matches the async functions for any graph, params and expiry', async () => {
    await fc.assert(fc.asyncProperty(
      fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/),
      fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== 'expires'), fc.oneof(fc.string(), fc.integer(), fc.boolean()), { maxKeys: 4 }),
      fc.option(fc.integer({ min: 0, max: 2 ** 31 }), { nil: undefined }),
      fc.string({ minLength: 1, maxLength: 20 }),
      async (graph, params, expiresAt, secret) => {
        const options = { server: 'https://img.example', key: 'site', secret, graph, ext: 'webp', params, expiresAt };
        expect(buildSignedUrlSync(options)).to.equal(await buildSignedUrl(options));
        expect(signRequestSync(secret, { graph, params })).to.equal(await signRequest(secret, { graph, params }));
      },
    ), { numRuns: 60 });
  });

  it('verifies its own signatures and refuses altered ones', () => {
    const request = { graph: 'resize', ext: 'png', params: { width: 400 } };
    const signature = signRequestSync('s3cret-s3cret', request);
    expect(verifySignatureSync('s3cret-s3cret', request, signature)).to.equal(true);
    expect(verifySignatureSync('s3cret-s3cret', { ...request, params: { width: 401 } }, signature)).to.equal(false);
    expect(() => signRequestSync('', request)).to.throw(TypeError, /non-empty string for secret/);
  });
});
