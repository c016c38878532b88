/**
 * rig in a real browser: the library bundled for browsers (no Node built-ins) runs in headless
 * Chromium from a page served on 127.0.0.1 and must produce exactly what it produces in Node,
 * Web Crypto signatures included. Run by `npm run test:browser` (CI installs Chromium).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import * as rig from '../../rig/index.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The same calls, made in the page and in Node. */
const scenario = `async (rig) => {
  const config = { server: 'https://img.example.com/', key: 'site', secret: 'correct horse battery staple' };
  const block = { cover: { src: 'https://example.com/photos/cover.jpg', width: 2160, height: 1215 } };
  return {
    signed: await rig.buildSignedUrl({ ...config, graph: 'gaussianblur', ext: 'png', params: { input: 'https://example.com/a b.jpg', 'std-dev-x': 4, color: '#ff0000' } }),
    expiring: await rig.buildSignedUrl({ ...config, graph: 'resize', ext: 'webp', params: { width: 400 }, expiresAt: 1900000000 }),
    imgflo: rig.imgfloToken('noop.gif', '?input=https%3A%2F%2Fa.com%2Fb.gif', 'secret'),
    css: await rig.breakpoints({ block, config, graph: 'passthrough', property: 'width', selector: '.hero', breakpoints: [576, 992, 1400] }),
    srcset: await rig.srcset({ block, config, graph: 'passthrough', breakpoints: [400, 800, 3000] }),
    picture: await rig.picture({ block, config, graph: 'passthrough', breakpoints: [400, 800], alt: 'A "cover" & more' }),
  };
}`;

describe('rig in headless Chromium', function () {
  this.timeout(60000);
  let server: Server;
  let profile: string;
  let page = '';

  before(async () => {
    const bundle = await build({ entryPoints: ['rig/index.ts'], bundle: true, format: 'esm', platform: 'browser', write: false });
    const js = bundle.outputFiles[0].text;
    page = `<!doctype html><html><head><title>running</title></head><body><pre id="out"></pre>
<script type="module">
const rig = await import(URL.createObjectURL(new Blob([${JSON.stringify(js)}], { type: 'text/javascript' })));
try {
  const result = await (${scenario})(rig);
  document.getElementById('out').textContent = JSON.stringify({ secure: isSecureContext, result });
} catch (err) {
  document.getElementById('out').textContent = JSON.stringify({ error: String(err && err.stack || err) });
}
document.title = 'done';
</script></body></html>`;
    server = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end(page); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    profile = await mkdtemp(join(tmpdir(), 'imgflow-chromium-'));
  });

  after(async () => {
    server?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('builds the same signed URLs, CSS, srcset and <picture> as in Node', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const { stdout } = await promisify(execFile)(CHROMIUM, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--user-data-dir=${profile}`, '--virtual-time-budget=10000', '--dump-dom', url,
    ], { maxBuffer: 16 * 1024 * 1024 });
    const text = /<pre id="out">([\s\S]*?)<\/pre>/.exec(stdout)?.[1] ?? '';
    const decoded = text.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const fromBrowser = JSON.parse(decoded) as { secure?: boolean; result?: unknown; error?: string };
    expect(fromBrowser.error).to.equal(undefined);
    expect(fromBrowser.secure).to.equal(true);
    // eslint-disable-next-line no-new-func
    const inNode = await (new Function(`return ${scenario}`)() as (r: typeof rig) => Promise<unknown>)(rig);
    expect(fromBrowser.result).to.deep.equal(inNode);
    const { signed, picture } = inNode as { signed: string; picture: string };
    expect(signed).to.match(/^https:\/\/img\.example\.com\/graph\/site\/[A-Za-z0-9_-]{43}\/gaussianblur\.png\?/);
    expect(picture).to.contain('<source type="image/avif"');
  });
});
