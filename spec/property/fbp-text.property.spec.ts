/**
 * Property: any .fbp text, as the graph store reads it from disk and the admin API takes it
 * (text/plain), is compiled or refused with a coded 4xx; never an uncaught exception or a hang.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import type { FastifyInstance } from 'fastify';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, openGraphStore, parseGraphSource, type Runtime } from '../../runtime/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { nameArb } from './_arbitraries.ts';
import { expectCoded, within } from './_check.ts';

const SECRET = 'property-jwt-secret-0123456789abcdefgh';
const COMPONENTS = ['gegl/nop', 'gegl/crop', 'gegl/gaussian-blur', 'imgflow/negate', 'imgflow/resize', 'graphs/passthrough', 'nope/none'];

const identifier = fc.oneof(fc.constantFrom('in', 'out', 'blur', 'crop', 'input', 'output', 'x', 'std_dev_x', 'width'), nameArb());
const component = fc.oneof(fc.constantFrom(...COMPONENTS), nameArb());
const iipValue = fc.oneof(fc.integer({ min: -5, max: 50 }).map(String), fc.constantFrom('red', 'true', '', "'"), nameArb());

/** Lines in the .fbp grammar's shapes, with names that are sometimes wrong. */
const line = fc.oneof(
  fc.tuple(identifier, identifier, identifier).map(([n, p, e]) => `INPORT=${n}.${p}:${e}`),
  fc.tuple(identifier, identifier, identifier).map(([n, p, e]) => `OUTPORT=${n}.${p}:${e}`),
  fc.tuple(identifier, component, identifier, identifier, identifier, component).map(([a, ca, pa, pb, b, cb]) => `${a}(${ca}) ${pa} -> ${pb} ${b}(${cb})`),
  fc.tuple(identifier, identifier, identifier).map(([a, pa, b]) => `${a} output -> ${pa} ${b}`),
  fc.tuple(iipValue, identifier, identifier).map(([v, p, n]) => `'${v}' -> ${p} ${n}`),
  fc.tuple(identifier, fc.string({ maxLength: 20 })).map(([k, v]) => `# @${k} ${v}`),
  fc.string({ maxLength: 30 }),
);

/** Character-level damage to a text: insertions and deletions at random places. */
const damaged = (text: string) => fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.string({ unit: 'binary', maxLength: 3 })), { maxLength: 3 }).map((edits) => {
  let t = text;
  for (const [at, del, ins] of edits) {
    const i = at % (t.length + 1);
    t = t.slice(0, i) + ins + t.slice(i + del);
  }
  return t;
});

function expectCodedRefusal(err: unknown, what: string): void {
  const e = err as { statusCode?: unknown; code?: unknown; message?: unknown };
  expect(e?.code, `${JSON.stringify(what)}: ${String(e?.message ?? err)}`).to.be.a('string').and.match(/^IMGFLOW_ERR_/);
  expect(e.statusCode, `${JSON.stringify(what)}: ${String(e.message)}`).to.be.within(400, 499);
}

describe('property: .fbp text', function () {
  this.timeout(60000);
  let passthrough: string;
  let runtime: Runtime;
  let dir: string;
  let app: FastifyInstance;
  const token = jwt.sign({ admin: true }, SECRET, { algorithm: 'HS256', expiresIn: 600 });
  let texts: fc.Arbitrary<string>;

  before(async () => {
    passthrough = await readFile('graphs/passthrough.fbp', 'utf8');
    const blur = `INPORT=blur.input:input\nOUTPORT=blur.output:output\nINPORT=blur.std_dev_x:radius\n'3' -> std_dev_y blur(gegl/gaussian-blur)\n`;
    texts = fc.oneof(
      damaged(passthrough),
      damaged(blur),
      fc.array(line, { minLength: 1, maxLength: 6 }).map((ls) => ls.join('\n')),
      fc.array(line, { maxLength: 4 }).map((ls) => `${blur}${ls.join('\n')}`),
    );
    dir = await mkdtemp(join(tmpdir(), 'imgflow-prop-fbp-'));
    await writeFile(join(dir, 'passthrough.fbp'), passthrough);
    runtime = await createRuntime({ graphsDir: dir, watch: false });
    app = await buildApp(loadConfig({ graphsDir: dir, logLevel: 'silent', jwtSecret: SECRET }, {}), { runtime });
  });
  after(async () => {
    await app.close();
    runtime.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('parses and compiles, or refuses with a coded 4xx', () => {
    fc.assert(
      fc.property(texts, (text) => {
        try {
          runtime.check('g', parseGraphSource('g', text, 'fbp'));
        } catch (err) {
          expectCodedRefusal(err, text);
        }
        // The parser keeps nodes in a plain object: no text may leave a property on Object.prototype.
        const inherited: string[] = [];
        for (const key in {}) inherited.push(key);
        expect(inherited, text).to.deep.equal([]);
      }),
      { numRuns: 300 },
    );
  });

  it('loads from disk into the store or is reported with a coded error', async () => {
    const storeDir = await mkdtemp(join(tmpdir(), 'imgflow-prop-fbp-store-'));
    try {
      await fc.assert(
        fc.asyncProperty(texts, async (text) => {
          await writeFile(join(storeDir, 'g.fbp'), text);
          const reported: unknown[] = [];
          const store = await within(5000, text, () => openGraphStore({ dir: storeDir, watch: false, onError: (err) => reported.push(err) }));
          store.close();
          for (const err of reported) expectCodedRefusal(err, text);
          expect(reported.length + (store.get('g') ? 1 : 0), text).to.equal(1);
        }),
        { numRuns: 40 },
      );
    } finally {
      await rm(storeDir, { recursive: true, force: true });
    }
  });

  it('through PUT /admin/graphs as text/plain: a coded 4xx or saved', async () => {
    await fc.assert(
      fc.asyncProperty(texts, async (text) => {
        const res = await within(5000, text, () => app.inject({ method: 'PUT', url: '/admin/graphs/g', payload: text, headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' } }));
        expectCoded(res.statusCode, res.body, `PUT ${JSON.stringify(text)}`);
      }),
      { numRuns: 60 },
    );
  });
});
