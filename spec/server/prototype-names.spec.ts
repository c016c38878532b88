/**
 * Every stored graph, every Object.prototype name as a parameter name or value: a coded 400,
 * never a 500; and a graph that exports such names serves them as ordinary parameters.
 */
import { expect } from 'chai';
import type { FastifyInstance } from 'fastify';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createRuntime, type GraphJson, type Runtime } from '../../runtime/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { cacheKey } from '../../server/cache/index.ts';
import { PROTOTYPE_NAMES } from '../_helpers/prototype-names.ts';
import { testPng } from '../_helpers/images.ts';

async function start(graphsDir: string): Promise<{ app: FastifyInstance; runtime: Runtime }> {
  const config = loadConfig({ graphsDir, logLevel: 'silent' }, {});
  const runtime = await createRuntime({ graphsDir, watch: false });
  return { app: await buildApp(config, { runtime }), runtime };
}

describe('prototype names as parameters', function () {
  this.timeout(20000);

  describe('every graph in graphs/', () => {
    let app: FastifyInstance;
    let runtime: Runtime;
    before(async () => ({ app, runtime } = await start('graphs')));
    after(async () => {
      await app.close();
      runtime.close();
    });

    it('answers each name as a parameter name with 400 IMGFLOW_ERR_PARAM_UNKNOWN', async () => {
      const graphs = runtime.store.list().map((e) => e.name);
      expect(graphs.length).to.be.greaterThan(10);
      for (const graph of graphs) {
        // Some are real parameters (motionblur's `length`): those get past the name check.
        const real = new Set(runtime.describe(graph).parameters.map((p) => p.name));
        for (const name of PROTOTYPE_NAMES) {
          const res = await app.inject({ url: `/graph/${graph}.png?${encodeURIComponent(name)}=1` });
          expect(res.statusCode, `${graph} ${name}: ${res.body}`).to.equal(400);
          expect(res.json().code, `${graph} ${name}`).to.equal(real.has(name) ? 'IMGFLOW_ERR_INPUT_MISSING' : 'IMGFLOW_ERR_PARAM_UNKNOWN');
        }
      }
    });

    it('answers each name as an output extension with 415 IMGFLOW_ERR_FORMAT_UNSUPPORTED', async () => {
      for (const name of PROTOTYPE_NAMES) {
        const res = await app.inject({ url: `/graph/passthrough.${encodeURIComponent(name)}` });
        expect(res.statusCode, `${name}: ${res.body}`).to.equal(415);
        expect(res.json().code, name).to.equal('IMGFLOW_ERR_FORMAT_UNSUPPORTED');
      }
    });

    it('answers each name as a colour or enum value with 400 IMGFLOW_ERR_PARAM_INVALID', async () => {
      let checked = 0;
      for (const { name: graph } of runtime.store.list()) {
        for (const p of runtime.describe(graph).parameters.filter((x) => x.type === 'color' || x.type === 'enum')) {
          for (const value of PROTOTYPE_NAMES) {
            const res = await app.inject({ url: `/graph/${graph}.png?${p.name}=${encodeURIComponent(value)}` });
            expect(res.statusCode, `${graph} ${p.name}=${value}: ${res.body}`).to.equal(400);
            expect(res.json().code, `${graph} ${p.name}=${value}`).to.equal('IMGFLOW_ERR_PARAM_INVALID');
            checked++;
          }
        }
      }
      expect(checked).to.be.greaterThan(0);
    });
  });

  describe('a graph that exports them', () => {
    let dir: string;
    let app: FastifyInstance;
    let runtime: Runtime;
    let png: Buffer;
    // One brightness-like parameter per name: every name is an ordinary exported port.
    const exported = ['constructor', 'toString', '__proto__', 'valueOf', 'hasOwnProperty'];
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'imgflow-proto-names-'));
      const graph: GraphJson = {
        inports: { input: { process: 'blur', port: 'input' } },
        outports: { output: { process: 'blur', port: 'output' } },
        processes: { blur: { component: 'gegl/gaussian-blur' } },
        connections: [],
      };
      // Written as JSON text: a literal `__proto__` key in an object literal would set the prototype.
      const text = JSON.stringify(graph).replace('"inports":{', `"inports":{${exported.map((n) => `"${n}":{"process":"blur","port":"std-dev-x"}`).join(',')},`);
      await writeFile(join(dir, 'odd.json'), text);
      ({ app, runtime } = await start(dir));
      png = await testPng(32, 24);
    });
    after(async () => {
      await app.close();
      runtime.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('lists and accepts each of them, and different values give different images', async () => {
      const listed = runtime.describe('odd').parameters.map((p) => p.name);
      for (const name of exported) expect(listed, name).to.include(name);
      for (const name of exported) {
        const post = (v: string) => app.inject({ method: 'POST', url: `/graph/odd.png?${encodeURIComponent(name)}=${v}`, payload: png, headers: { 'content-type': 'image/png' } });
        const [sharpish, blurred] = [await post('0'), await post('4')];
        expect(sharpish.statusCode, `${name}: ${sharpish.body}`).to.equal(200);
        expect(blurred.statusCode, `${name}: ${blurred.body}`).to.equal(200);
        expect(sharpish.headers.etag, name).to.not.equal(blurred.headers.etag);
        const meta = await sharp(blurred.rawPayload).metadata();
        expect([meta.width, meta.height]).to.deep.equal([32, 24]);
      }
    });
  });

  it('puts a __proto__ parameter into the cache key', () => {
    const key = (v: number) => cacheKey({ graphName: 'g', graphRevision: '1', params: JSON.parse(`{"__proto__": ${v}}`), format: 'png' });
    expect(key(1)).to.not.equal(key(2));
  });
});
