/**
 * OpenAPI at /docs/json: every route the app registers is documented, and each graph has its
 * own path whose parameters are the catalogue's, so the docs cannot drift from the graphs.
 */
import { expect } from 'chai';
import type { FastifyInstance } from 'fastify';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, type Runtime } from '../../runtime/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { DOCS_PREFIX, registeredRoutes, type RegisteredRoute } from '../../server/openapi/index.ts';
import { ROUTE_DOCS } from '../../server/openapi/route-docs.ts';

type Doc = { paths: Record<string, Record<string, { summary?: string; parameters?: Array<{ name: string; in: string; schema: Record<string, unknown> }> }>> };

/** `/graph/:key/:sig/:file` -> `/graph/{key}/{sig}/{file}`, as OpenAPI writes paths. */
const openapiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('OpenAPI (/docs)', function () {
  this.timeout(20000);
  let app: FastifyInstance;
  let runtime: Runtime;
  let graphsDir: string;
  let routes: readonly RegisteredRoute[] = [];

  before(async () => {
    graphsDir = await mkdtemp(join(tmpdir(), 'imgflow-openapi-'));
    await cp('graphs', graphsDir, { recursive: true });
    const config = loadConfig({ graphsDir, logLevel: 'silent', jwtSecret: 'x'.repeat(40) }, {});
    runtime = await createRuntime({ graphsDir, watch: false, computeThreads: 0 });
    app = await buildApp(config, { runtime });
    await app.ready();
    routes = registeredRoutes(app);
  });

  after(async () => {
    await app?.close();
    await runtime?.close();
    if (graphsDir) await rm(graphsDir, { recursive: true, force: true });
  });

  async function doc(): Promise<Doc> {
    const res = await app.inject({ url: `${DOCS_PREFIX}/json` });
    expect(res.statusCode).to.equal(200);
    return res.json() as Doc;
  }

  it('serves the browsable page at /docs without any outside asset', async () => {
    const res = await app.inject({ url: `${DOCS_PREFIX}/` });
    expect(res.statusCode).to.equal(200);
    expect(res.headers['content-type']).to.match(/text\/html/);
    expect(res.body).to.not.match(/(src|href)="https?:/);
  });

  it('documents every route the app registers, with a summary', async () => {
    const { paths } = await doc();
    const visible = routes.filter((r) => !r.hidden && r.method !== 'HEAD');
    expect(visible.length).to.be.greaterThan(15);
    for (const r of visible) {
      const op = paths[openapiPath(r.url)]?.[r.method.toLowerCase()];
      expect(op, `${r.method} ${r.url} is not in /docs/json`).to.be.an('object');
      expect(op.summary, `${r.method} ${r.url} has no summary: add it to server/openapi/route-docs.ts or give the route schema.summary`).to.be.a('string').and.not.equal('');
    }
  });

  it('documents no route that does not exist (the table has no stale entries)', () => {
    const registered = new Set(routes.map((r) => `${r.method} ${r.url}`));
    for (const key of ROUTE_DOCS.keys()) expect(registered.has(key), key).to.equal(true);
  });

  it('gives every graph a path whose parameters are the catalogue entry', async () => {
    const { paths } = await doc();
    const names = runtime.store.list().map((e) => e.name);
    expect(names).to.include('gaussianblur');
    for (const name of names) {
      const info = runtime.describe(name);
      const get = paths[`/graph/${name}.{ext}`]?.get;
      expect(get, name).to.be.an('object');
      const query = new Map(get.parameters!.filter((p) => p.in === 'query').map((p) => [p.name, p.schema]));
      for (const p of info.parameters) {
        expect(query.has(p.name), `${name}.${p.name}`).to.equal(true);
        const s = query.get(p.name)!;
        if (p.default !== undefined) expect(s.default, `${name}.${p.name} default`).to.equal(p.default);
        if (p.min !== undefined) expect(s.minimum).to.equal(p.min);
        if (p.max !== undefined) expect(s.maximum).to.equal(p.max);
        if (p.values) expect(s.enum).to.deep.equal(p.values);
      }
    }
    const blur = paths['/graph/gaussianblur.{ext}'].get.parameters!.find((p) => p.name === 'std-dev-x')!;
    expect(blur.schema).to.include({ type: 'number', minimum: 0, maximum: 1000, default: 1.5, 'x-ui-maximum': 100 });
  });

  it('follows the graph store: a graph saved after start is documented on the next request', async () => {
    const graph = {
      properties: { name: 'docsprobe', description: 'Probe for the docs' },
      inports: { input: { process: 'b', port: 'input' }, amount: { process: 'b', port: 'std-dev-x', metadata: { maximum: 7 } } },
      outports: { output: { process: 'b', port: 'output' } },
      processes: { b: { component: 'gegl/gaussian-blur' } },
      connections: [],
    };
    await runtime.store.put('docsprobe', graph as never);
    const { paths } = await doc();
    const amount = paths['/graph/docsprobe.{ext}']?.get.parameters?.find((p) => p.name === 'amount');
    expect(amount?.schema.maximum).to.equal(7);
    await runtime.store.delete('docsprobe');
    expect((await doc()).paths['/graph/docsprobe.{ext}']).to.equal(undefined);
  });
});
