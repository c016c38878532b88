/**
 * Property: any graph document (real graphs mutated, or random JSON) is either compiled or
 * refused with a coded 4xx, in process (parse -> validate -> compile) and through the admin
 * upload, and a graph the admin API accepted serves a coded 4xx or an image; never a 5xx,
 * an uncaught exception or a hang.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import type { FastifyInstance } from 'fastify';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, parseGraphSource, type Runtime } from '../../runtime/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { testPng } from '../_helpers/images.ts';
import { jsonArb, mutateJson, mutationArb } from './_arbitraries.ts';
import { expectCoded, within } from './_check.ts';

const SECRET = 'property-jwt-secret-0123456789abcdefgh';

/** Refused with a 4xx imgflow code, or passed: anything else (a TypeError...) is a bug. */
function expectCodedRefusal(err: unknown, what: string): void {
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown };
  expect(e?.code, `${what}: ${String(e?.message ?? err)}`).to.be.a('string').and.match(/^IMGFLOW_ERR_/);
  expect(e.statusCode, `${what}: ${String(e.message)}`).to.be.within(400, 499);
}

describe('property: graph documents', function () {
  this.timeout(60000);
  let dir: string;
  let runtime: Runtime;
  let app: FastifyInstance;
  let sources: string[];
  let png: Buffer;
  const token = jwt.sign({ admin: true }, SECRET, { algorithm: 'HS256', expiresIn: 600 });

  before(async () => {
    // DeepDream is left out: a valid mutation of it is a dream, seconds of CPU per run.
    const files = (await readdir('graphs')).filter((f) => f.endsWith('.json') && f !== 'deepdream.json');
    sources = await Promise.all(files.map((f) => readFile(join('graphs', f), 'utf8')));
    sources.push(JSON.stringify(parseGraphSource('passthrough', await readFile('graphs/passthrough.fbp', 'utf8'), 'fbp')));
    dir = await mkdtemp(join(tmpdir(), 'imgflow-prop-graphs-'));
    const config = loadConfig({ graphsDir: dir, logLevel: 'silent', jwtSecret: SECRET, maxOutputPixels: 1_000_000, processingTimeoutMs: 30000 }, {});
    runtime = await createRuntime({ graphsDir: dir, watch: false });
    app = await buildApp(config, { runtime });
    png = await testPng(24, 16);
    // The first kernel graph starts a compute thread (modules loaded in the thread): not part
    // of the property, and on a busy machine it can take seconds.
    const raw = { data: Buffer.alloc(4 * 4 * 3, 128), width: 4, height: 4, channels: 3 as const };
    await runtime.compute!.run('kernel', [{ op: 'sepia', params: { scale: 1, srgb: true }, aux: {} }], raw);
  });
  after(async () => {
    await app.close();
    runtime.close();
    await rm(dir, { recursive: true, force: true });
  });

  const mutatedGraph = () => fc.tuple(fc.nat(), fc.array(mutationArb, { minLength: 1, maxLength: 4 })).map(([i, ms]) => mutateJson(sources[i % sources.length], ms));
  const anyDocument = fc.oneof(mutatedGraph(), mutatedGraph(), jsonArb.map((v) => JSON.stringify(v)));

  it('in process: parsed, validated and compiled, or refused with a coded 4xx', () => {
    fc.assert(
      fc.property(anyDocument, (text) => {
        try {
          runtime.check('g', parseGraphSource('g', text, 'json'));
        } catch (err) {
          expectCodedRefusal(err, text);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('through PUT /admin/graphs and then /graph: a coded 4xx or a result', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(anyDocument, async (text) => {
        const name = `g${n++}`;
        const put = await within(5000, text, () => app.inject({ method: 'PUT', url: `/admin/graphs/${name}`, payload: text, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }));
        expectCoded(put.statusCode, put.body, `PUT ${text}`);
        if (put.statusCode >= 300) return;
        const url = `/graph/${name}.png`;
        const res = await within(40000, `${url} ${text}`, () => app.inject({ method: 'POST', url, payload: png, headers: { 'content-type': 'image/png' } }));
        expectCoded(res.statusCode, res.body, `${url} of ${text}`);
      }),
      { numRuns: 60 },
    );
  });
});
