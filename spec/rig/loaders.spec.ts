/**
 * The framework loaders, called as each framework calls them (next/image's loader props, Nuxt
 * Image's getImage(src, { modifiers, ...options }), Astro's getURL(transform, imageConfig)):
 * the URLs they return, and the signatures in them checked by the server's own verifier.
 */
import { expect } from 'chai';
import { build } from 'esbuild';
import { imgflowLoader } from '../../rig/next.ts';
import { getImage } from '../../rig/nuxt.ts';
import astro from '../../rig/astro.ts';
import { gravity } from '../../rig/_internal/loader-url.ts';
import { parseSignedPath } from '../../rig/sign.ts';
import { verifyRequest } from '../../server/auth/verify.ts';

const server = 'https://img.example.com';
const app = { key: 'site', secrets: ['site-secret-0001'], enabled: true, admin: false, quota: null, imgfloCompat: false, source: 'env' as const };

/** The server's verdict on a signed URL a loader made. */
function verified(url: string): boolean {
  const u = new URL(url);
  const parts = parseSignedPath(u.pathname);
  if (!parts) return false;
  const rawGraphSegment = u.pathname.split('/')[4];
  return verifyRequest(app, { graph: parts.graph, ext: parts.ext, rawGraphSegment, rawQuery: u.search, signature: parts.signature }) !== undefined;
}

const query = (url: string) => Object.fromEntries(new URL(url).searchParams);

describe('rig framework loaders', () => {
  describe('next/image (imgflow/rig/next)', () => {
    it('maps src, width and quality; no extension, so the server negotiates the format', () => {
      const loader = imgflowLoader({ server, baseUrl: 'https://www.example.com' });
      const url = loader({ src: '/photos/a.jpg', width: 640, quality: 75 });
      expect(url.startsWith(`${server}/graph/passthrough?`)).to.equal(true);
      expect(query(url)).to.deep.equal({ input: 'https://www.example.com/photos/a.jpg', width: '640', quality: '75' });
      expect(query(loader({ src: 'https://cdn.example/b.png', width: 1080 }))).to.deep.equal({ input: 'https://cdn.example/b.png', width: '1080' });
    });

    it('signs synchronously: the loader returns a string the server verifies', () => {
      const loader = imgflowLoader({ server, key: 'site', secret: 'site-secret-0001', graph: 'gaussianblur', params: { 'std-dev-x': 2 } });
      const url = loader({ src: 'https://cdn.example/a.jpg', width: 384 });
      expect(url).to.be.a('string').and.match(/^https:\/\/img\.example\.com\/graph\/site\/[A-Za-z0-9_-]{43}\/gaussianblur\?/);
      expect(verified(url)).to.equal(true);
      expect(verified(url.replace('width=384', 'width=385'))).to.equal(false);
    });

    it('refuses a relative src without a baseUrl', () => {
      expect(() => imgflowLoader({ server })({ src: '/a.jpg', width: 10 })).to.throw(TypeError, /baseUrl/);
    });
  });

  describe('Nuxt Image provider (imgflow/rig/nuxt)', () => {
    it('maps the modifiers to parameters and the format to the extension', () => {
      const { url } = getImage('/a.png', { baseURL: server, srcBase: 'https://www.example.com', modifiers: { width: '300', height: 200, fit: 'cover', quality: 60, format: 'webp', position: 'top', blur: 3 } });
      expect(new URL(url).pathname).to.equal('/graph/passthrough.webp');
      expect(query(url)).to.deep.equal({ input: 'https://www.example.com/a.png', width: '300', height: '200', fit: 'cover', quality: '60', position: 'north' });
      expect(new URL(getImage('https://x.example/a.jpg', { baseURL: server, modifiers: { format: 'jpeg' } }).url).pathname).to.equal('/graph/passthrough.jpg');
    });

    it('signs with the provider options key and secret', () => {
      const { url } = getImage('https://x.example/a.jpg', { baseURL: server, key: 'site', secret: 'site-secret-0001', modifiers: { width: 100 } });
      expect(verified(url)).to.equal(true);
    });
  });

  describe('Astro image service (imgflow/rig/astro)', () => {
    const imageConfig = { service: { entrypoint: 'imgflow/rig/astro', config: { server, baseUrl: 'https://www.example.com', key: 'site', secret: 'site-secret-0001' } } };

    it('getURL maps width, height, quality presets, format and fit; ImageMetadata src too', () => {
      const url = astro.getURL({ src: { src: '/_astro/hero.abc.jpg', width: 2000, height: 1000, format: 'jpg' }, width: 800, height: 400, quality: 'high', format: 'avif', fit: 'contain' }, imageConfig);
      expect(new URL(url).pathname).to.match(/^\/graph\/site\/[A-Za-z0-9_-]{43}\/passthrough\.avif$/);
      expect(query(url)).to.deep.equal({ input: 'https://www.example.com/_astro/hero.abc.jpg', width: '800', height: '400', quality: '80', fit: 'contain' });
      expect(verified(url)).to.equal(true);
      expect(query(astro.getURL({ src: 'https://x.example/a.png', width: 10, quality: 'low' }, imageConfig)).quality).to.equal('25');
    });

    it('leaves out values the server would refuse (fit none, an unknown position)', () => {
      const q = query(astro.getURL({ src: 'https://x.example/a.png', fit: 'none', position: 'somewhere' }, imageConfig));
      expect(q).to.not.have.property('fit');
      expect(q).to.not.have.property('position');
    });
  });

  it('positions: server names and CSS object-position words', () => {
    expect(['centre', 'center', 'top', 'left top', 'top right', 'bottom', 'attention', 'middle'].map(gravity))
      .to.deep.equal(['centre', 'centre', 'north', 'northwest', 'northeast', 'south', 'attention', undefined]);
  });

  it('bundle for browsers: no Node built-in is imported, and an unsigned loader runs from the bundle', async () => {
    const entry = `export { imgflowLoader } from './rig/next.ts'; export { getImage } from './rig/nuxt.ts'; export { default as astro } from './rig/astro.ts';`;
    const out = await build({ stdin: { contents: entry, resolveDir: process.cwd(), loader: 'ts' }, bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
    const code = out.outputFiles[0].text;
    expect(code).to.not.match(/from\s*["']node:|require\(["']node:/);
    const bundled = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`) as { imgflowLoader: typeof imgflowLoader };
    const props = { src: 'https://cdn.example/a.jpg', width: 320, quality: 60 };
    expect(bundled.imgflowLoader({ server })(props)).to.equal(imgflowLoader({ server })(props));
  });
});
