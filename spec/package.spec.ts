/**
 * The published package as a user gets it: `npm pack`, the tarball unpacked into an empty
 * project's node_modules (its dependencies linked to this checkout's, so nothing is fetched),
 * then plain `node` (no tsx) importing and requiring each entry, the loaders' signed URLs served
 * by a running server, the installed CLI, and a graph whose kernel stage runs on the compute
 * threads from dist/.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { createRuntime, type Runtime } from '../runtime/index.ts';
import { buildApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { startOrigin, type Origin } from './input/_origin.ts';

const exec = promisify(execFile);
const ROOT = resolve('.');
const SOURCES = ['runtime', 'operations', 'ui-protocol', 'server', 'rig', 'bin'];

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? await newestSource(path) : (await stat(path)).mtimeMs);
  }
  return newest;
}

/** dist/ as `prepare` makes it; rebuilt here only when a source is newer (a build takes ~30 s). */
async function ensureBuilt(): Promise<void> {
  const built = await stat(join(ROOT, 'dist/bin/cli.js')).then((s) => s.mtimeMs, () => 0);
  const newest = Math.max(...await Promise.all(SOURCES.map((d) => newestSource(join(ROOT, d)))), (await stat(join(ROOT, 'package.json'))).mtimeMs);
  if (built < newest) await exec(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, timeout: 300_000 });
}

describe('the npm package (npm pack, installed into an empty project)', function () {
  this.timeout(120_000);
  let dir: string;
  let files: string[];
  let origin: Origin;
  let app: FastifyInstance;
  let runtime: Runtime;
  let base: string;
  const env = { ...process.env, NODE_OPTIONS: '' };
  const node = (args: string[], cwd = dir) => exec(process.execPath, args, { cwd, env, timeout: 60_000 });

  before(async function () {
    this.timeout(400_000);
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'imgflow-pack-'));
    const { stdout } = await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, env, timeout: 120_000 });
    const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = packed.files.map((f) => f.path);
    const project = join(dir, 'app');
    await mkdir(join(project, 'node_modules/imgflow'), { recursive: true });
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    await exec('tar', ['-xzf', join(dir, packed.filename), '-C', join(project, 'node_modules/imgflow'), '--strip-components=1']);
    // The package's own dependencies, as npm would have installed them: this checkout's.
    await symlink(join(ROOT, 'node_modules'), join(project, 'node_modules/imgflow/node_modules'), 'dir');
    dir = project;

    const picture = await sharp({ create: { width: 120, height: 80, channels: 3, background: '#336699' } }).jpeg().toBuffer();
    origin = await startOrigin((_req, res) => { res.writeHead(200, { 'content-type': 'image/jpeg' }); res.end(picture); });
    const config = loadConfig({ graphsDir: 'graphs', logLevel: 'silent', allowPrivateSources: true, appKey: 'site', appSecret: 'site-secret-0001', cacheDir: join(dir, '.cache') }, {});
    runtime = await createRuntime({ graphsDir: 'graphs', watch: false, computeThreads: 1 });
    app = await buildApp(config, { runtime });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await app?.close();
    await runtime?.close();
    await origin?.close();
    if (dir) await rm(resolve(dir, '..'), { recursive: true, force: true });
  });

  it('ships the compiled JavaScript with declarations, not the TypeScript sources or specs', () => {
    for (const f of ['dist/rig/index.js', 'dist/rig/index.d.ts', 'dist/rig/next.js', 'dist/rig/nuxt.js', 'dist/rig/astro.js', 'dist/rig/node.js', 'dist/rig/imgflo.js', 'dist/runtime/index.js', 'dist/server/main.js', 'dist/runtime/offload/compute-worker-entry.mjs', 'bin/imgflow.js', 'graphs/gaussianblur.json']) {
      expect(files, f).to.include(f);
    }
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).to.deep.equal([]);
    expect(files.filter((f) => f.startsWith('spec/') || f.startsWith('bench/'))).to.deep.equal([]);
  });

  const script = (server: string, input: string) => `
    const config = { server: ${JSON.stringify(server)}, key: 'site', secret: 'site-secret-0001' };
    const urls = {
      next: next.imgflowLoader(config)({ src: ${JSON.stringify(input)}, width: 64, quality: 70 }),
      nuxt: nuxt.getImage(${JSON.stringify(input)}, { baseURL: config.server, key: config.key, secret: config.secret, modifiers: { width: 48, format: 'webp' } }).url,
      astro: astro.getURL({ src: ${JSON.stringify(input)}, width: 32, format: 'png', quality: 'high' }, { service: { config } }),
      sync: node.buildSignedUrlSync({ ...config, graph: 'gaussianblur', ext: 'png', params: { input: ${JSON.stringify(input)} } }),
    };
    rig.srcset({ block: { cover: { src: ${JSON.stringify(input)}, width: 120, height: 80 } }, config, graph: 'passthrough', breakpoints: [60] })
      .then((srcset) => console.log(JSON.stringify({ ...urls, srcset, runtime: typeof imgflow.createRuntime })));`;

  async function served(url: string, format: string): Promise<void> {
    const res = await fetch(url, { headers: { accept: 'image/webp,*/*' } });
    expect(res.status, url).to.equal(200);
    expect((await sharp(Buffer.from(await res.arrayBuffer())).metadata()).format, url).to.equal(format);
  }

  it('imports from ESM with plain node, and the signed URLs the loaders make are served', async () => {
    const code = `import * as rig from 'imgflow/rig'; import * as next from 'imgflow/rig/next'; import * as nuxt from 'imgflow/rig/nuxt';
      import astro from 'imgflow/rig/astro'; import * as node from 'imgflow/rig/node'; import * as imgflow from 'imgflow'; import 'imgflow/rig/imgflo';${script(base, origin.url('/photo.jpg'))}`;
    const out = JSON.parse((await node(['--input-type=module', '-e', code])).stdout);
    expect(out.runtime).to.equal('function');
    expect(out.srcset.srcset).to.match(/\/graph\/site\/[A-Za-z0-9_-]{43}\/passthrough\.jpg\?/);
    await served(out.next, 'webp');
    await served(out.nuxt, 'webp');
    await served(out.astro, 'png');
    await served(out.sync, 'png');
  });

  it('requires from CommonJS (require(esm), Node >= 20.19) with the same results', async () => {
    const code = `const rig = require('imgflow/rig'); const next = require('imgflow/rig/next'); const nuxt = require('imgflow/rig/nuxt');
      const astro = require('imgflow/rig/astro').default; const node = require('imgflow/rig/node'); const imgflow = require('imgflow'); require('imgflow/rig/imgflo');${script('https://img.example', 'https://a.example/p.jpg')}`;
    const esm = `import * as rig from 'imgflow/rig'; import * as next from 'imgflow/rig/next'; import * as nuxt from 'imgflow/rig/nuxt';
      import astro from 'imgflow/rig/astro'; import * as node from 'imgflow/rig/node'; import * as imgflow from 'imgflow';${script('https://img.example', 'https://a.example/p.jpg')}`;
    const [cjs, mjs] = await Promise.all([node(['-e', code]), node(['--input-type=module', '-e', esm])]);
    expect(cjs.stderr).to.equal('');
    expect(JSON.parse(cjs.stdout)).to.deep.equal(JSON.parse(mjs.stdout));
  });

  it('the installed CLI runs from dist without tsx: --version, graphs, and a kernel graph on the compute threads', async () => {
    const bin = join(dir, 'node_modules/imgflow/bin/imgflow.js');
    const pkg = JSON.parse((await node(['-p', 'JSON.stringify(require("imgflow/package.json"))'])).stdout) as { version: string };
    expect((await node([bin, '--version'])).stdout.trim()).to.equal(pkg.version);
    expect((await node([bin, 'graphs'])).stdout).to.match(/motionblur/);
    const input = join(dir, 'in.png');
    await sharp({ create: { width: 40, height: 30, channels: 3, background: '#808080' } }).png().toFile(input);
    const output = join(dir, 'out.png');
    // motionblur has a kernel stage: it runs on a worker thread loaded from dist/.
    await node([bin, 'run', 'motionblur', '--input', input, '-o', output], dir);
    expect(await sharp(output).metadata()).to.include({ format: 'png', width: 40, height: 30 });
  });
});
