/**
 * Property: any query string on a real graph (GET with no input, POST with a real PNG) is
 * answered with a coded 4xx or an image; never a 5xx, a thrown error or a hang.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { createRuntime, type Runtime } from '../../runtime/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { testPng } from '../_helpers/images.ts';
import { nameArb, queryArb, rawOddArb } from './_arbitraries.ts';
import { expectCoded, within } from './_check.ts';

const GRAPHS = ['passthrough', 'resize', 'gradientmap', 'crop', 'gaussianblur', 'retro'];

describe('property: URL parameters on real graphs', function () {
  this.timeout(60000);
  let app: FastifyInstance;
  let runtime: Runtime;
  let png: Buffer;
  before(async () => {
    // No private sources and a short fetch limit: a generated `input` URL never leaves the host.
    const config = loadConfig({ graphsDir: 'graphs', logLevel: 'silent', fetchTimeoutMs: 200, maxOutputPixels: 1_000_000 }, {});
    runtime = await createRuntime({ graphsDir: config.graphsDir, watch: false });
    app = await buildApp(config, { runtime });
    png = await testPng(24, 16);
  });
  after(async () => {
    await app.close();
    runtime.close();
  });

  for (const graph of GRAPHS) {
    it(`${graph}: GET and POST with any query give a coded 4xx or an image`, async () => {
      const names = runtime.describe(graph).parameters.map((p) => p.name);
      await fc.assert(
        fc.asyncProperty(queryArb(names), fc.boolean(), fc.constantFrom('png', 'jpg', 'webp', 'constructor', ''), async (query, post, ext) => {
          // Fetching a generated URL is not what this tests (and must not reach the network).
          fc.pre(!/https?:/i.test(decodeURIComponentSafe(query)));
          const url = `/graph/${graph}${ext ? `.${ext}` : ''}?${query}`;
          const res = await within(5000, url, () => app.inject(post ? { method: 'POST', url, payload: png, headers: { 'content-type': 'image/png' } } : { url }));
          expectCoded(res.statusCode, res.body, url);
          if (res.statusCode === 200) expect(res.rawPayload.length, url).to.be.greaterThan(0);
        }),
        { numRuns: 40 },
      );
    });
  }

  it('any path under /graph (signed form included) and any Accept / If-None-Match give a coded 4xx or an image', async () => {
    const segment = fc.oneof(fc.constantFrom(...GRAPHS), nameArb(GRAPHS).map(encodeURIComponent), rawOddArb);
    const path = fc.tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.option(fc.constantFrom('png', 'jpg', 'webp', 'constructor', '', '.')))
      .map(([parts, ext]) => `/graph/${parts.join('/')}${ext === null ? '' : `.${ext}`}`);
    const header = fc.oneof(fc.constantFrom('*', 'W/"x"', '"a", W/"b"', 'image/avif;q=0,image/webp', 'image/*;q=abc'), fc.string({ maxLength: 20 }));
    await fc.assert(
      fc.asyncProperty(path, fc.option(header), fc.option(header), async (url, accept, inm) => {
        const headers: Record<string, string> = {};
        if (accept !== null) headers.accept = accept;
        if (inm !== null) headers['if-none-match'] = inm;
        const res = await within(5000, url, () => app.inject({ url, headers }));
        expectCoded(res.statusCode, res.body, `${url} ${JSON.stringify(headers)}`);
      }),
      { numRuns: 100 },
    );
  });
});

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return unescape(s);
  }
}
