/**
 * /editor on a real server on 127.0.0.1: the page names the committed, content-hashed build
 * and the server serves exactly those files; and the committed build is what the sources make
 * today (run `npm run build:editor` after changing server/editor/app).
 */
import { expect } from 'chai';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createRuntime, type Runtime } from '../../runtime/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { buildEditor, manifestText } from '../../server/editor/build.ts';
import { EDITOR_ASSETS_DIR, readManifest } from '../../server/editor/page.ts';

describe('editor at /editor', function () {
  this.timeout(30000);
  let app: FastifyInstance;
  let runtime: Runtime;
  let base: string;

  before(async () => {
    const config = loadConfig({ graphsDir: 'graphs', logLevel: 'silent' }, {});
    runtime = await createRuntime({ graphsDir: config.graphsDir, watch: false });
    app = await buildApp(config, { runtime });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await app?.close();
    await runtime?.close();
  });

  it('serves the page naming the hashed script and style, served for good', async () => {
    const res = await fetch(`${base}/editor`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
    expect(res.headers.get('content-security-policy')).to.include("script-src 'self'");
    const html = await res.text();
    const script = /<script type="module" src="(\/editor\/assets\/editor-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    const style = /<link rel="stylesheet" href="(\/editor\/assets\/editor-[A-Z0-9]+\.css)"/.exec(html)?.[1];
    expect(script, html).to.be.a('string');
    expect(style, html).to.be.a('string');
    expect(html).to.not.match(/https?:\/\/(?!127\.0\.0\.1)/); // nothing from a CDN
    for (const [path, type] of [[script!, 'text/javascript'], [style!, 'text/css']] as const) {
      const asset = await fetch(`${base}${path}`);
      expect(asset.status, path).to.equal(200);
      expect(asset.headers.get('content-type')).to.include(type);
      expect(asset.headers.get('cache-control')).to.include('immutable');
      const onDisk = await readFile(join(EDITOR_ASSETS_DIR, path.split('/').pop()!));
      expect(Buffer.from(await asset.arrayBuffer()).equals(onDisk)).to.equal(true);
    }
    expect((await fetch(`${base}/editor/`)).status).to.equal(200);
  });

  it('serves no other file from the assets folder or beyond', async () => {
    for (const path of ['/editor/assets/manifest.json', '/editor/assets/editor-STALE.js', '/editor/assets/..%2Fpage.ts', '/editor/assets/%2e%2e%2f%2e%2e%2fapp.ts']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).to.equal(404);
    }
  });

  it('the committed build is what the sources build to (else: npm run build:editor)', async () => {
    const fresh = await buildEditor();
    const committed = await readManifest();
    expect(committed, 'server/editor/assets/manifest.json is stale: run npm run build:editor').to.deep.equal(fresh.manifest);
    expect(await readFile(join(EDITOR_ASSETS_DIR, 'manifest.json'), 'utf8')).to.equal(manifestText(fresh.manifest));
    for (const [name, contents] of fresh.files) {
      expect(Buffer.from(contents).equals(await readFile(join(EDITOR_ASSETS_DIR, name))), name).to.equal(true);
    }
    // No leftovers of earlier builds.
    expect((await readdir(EDITOR_ASSETS_DIR)).sort()).to.deep.equal([...fresh.files.keys(), 'manifest.json'].sort());
  });
});
