/**
 * The playground in headless Chromium (Debian's, driven by playwright-core), against the real
 * server on 127.0.0.1: pick gaussianblur, upload an image made here, move the std-dev slider
 * with the keyboard and see the preview's pixels change; copy the request URL and fetch it
 * (the same bytes as the preview); use an image URL; /docs lists every route. It also takes
 * the screenshots in docs/ (desktop and phone width): IMGFLOW_SCREENSHOTS_DIR=docs to refresh them.
 * A job-class graph (embedded job engine) shows its progress up to 100 % and then the result.
 */
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import type { FastifyInstance } from 'fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';
import { createRuntime, type Runtime } from '../../runtime/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig, workClassOptions } from '../../server/config.ts';
import { registeredRoutes } from '../../server/openapi/index.ts';
import { startOrigin, type Origin } from '../input/_origin.ts';
import { noiseRaw } from '../_helpers/images.ts';
import { graphsDir as jobGraphsDir } from '../server/jobs/_fixtures.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Sum of absolute horizontal neighbour differences: a blur lowers it. */
async function roughness(image: Buffer): Promise<number> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let s = 0;
  for (let y = 0; y < info.height; y++) for (let x = 1; x < info.width; x++) for (let c = 0; c < 3; c++) {
    const i = (y * info.width + x) * 3 + c;
    s += Math.abs(data[i] - data[i - 3]);
  }
  return s / (info.width * info.height);
}

/** The bytes the page shows as its preview (the blob behind #after). */
async function previewBytes(page: Page): Promise<Buffer> {
  const b64 = await page.evaluate(async () => {
    const src = (document.getElementById('after') as HTMLImageElement).src;
    const bytes = new Uint8Array(await (await fetch(src)).arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  });
  return Buffer.from(b64, 'base64');
}

/** Waits for a preview newer than `after` (the generation counter the page sets on #after). */
async function nextPreview(page: Page, after: number): Promise<number> {
  await page.waitForFunction((n) => Number(document.getElementById('after')?.dataset.generation ?? 0) > n, after, { timeout: 20000 });
  // A later keystroke may still be on its way: wait until the page is idle, then read.
  await page.waitForFunction(() => !document.getElementById('compare')?.hasAttribute('aria-busy'), undefined, { timeout: 20000 });
  return Number(await page.getAttribute('#after', 'data-generation'));
}

describe('playground in headless Chromium', function () {
  this.timeout(90000);
  let app: FastifyInstance;
  let runtime: Runtime;
  let origin: Origin;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let cacheDir: string;
  let upload: Buffer;
  let remote: Buffer;

  before(async () => {
    upload = await sharp(noiseRaw(320, 200), { raw: { width: 320, height: 200, channels: 3 } }).png().toBuffer();
    remote = await sharp(noiseRaw(240, 160, 3, 7), { raw: { width: 240, height: 160, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
    origin = await startOrigin((_req, res) => { res.writeHead(200, { 'content-type': 'image/jpeg' }); res.end(remote); });
    cacheDir = await mkdtemp(join(tmpdir(), 'imgflow-playground-'));
    const config = loadConfig({ graphsDir: 'graphs', cacheDir, allowPrivateSources: true, logLevel: 'silent' }, {});
    runtime = await createRuntime({ graphsDir: 'graphs', watch: false, concurrency: 2 });
    app = await buildApp(config, { runtime });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    page = await context.newPage();
    page.on('pageerror', (err) => { throw err; });
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await runtime?.close();
    await origin?.close();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  let generation = 0;
  let blurred: Buffer;

  it('previews gaussianblur on an uploaded image and follows the std-dev slider', async () => {
    await page.goto(`${base}/`);
    await page.waitForSelector('body[data-ready=true]');
    // Before an image is chosen only the placeholder shows, not the images' alt texts.
    expect([await page.isVisible('#before'), await page.isVisible('#after'), await page.isVisible('.compare .placeholder')]).to.deep.equal([false, false, true]);
    await page.click('label[for=graph-gaussianblur]');
    expect(await page.textContent('#graph-description')).to.contain('Blurs the image');
    await page.setInputFiles('#file', { name: 'generated.png', mimeType: 'image/png', buffer: upload });
    generation = await nextPreview(page, generation);
    const first = await previewBytes(page);
    expect((await sharp(first).metadata()).format).to.equal('png');

    // The slider, by keyboard: 1.5 -> 5.5 in steps of 0.1.
    await page.focus('#param-std-dev-x');
    for (let i = 0; i < 40; i++) await page.keyboard.press('ArrowRight');
    expect(await page.inputValue('#param-std-dev-x-number')).to.equal('5.5');
    generation = await nextPreview(page, generation);
    blurred = await previewBytes(page);
    expect(blurred.equals(first)).to.equal(false);
    const [r0, r1] = [await roughness(first), await roughness(blurred)];
    expect(r1, `roughness ${r0} -> ${r1}`).to.be.lessThan(r0 * 0.8);
    expect(await page.textContent('#error')).to.equal('');
  });

  it('copies a request URL that gives the same bytes as the preview', async () => {
    await page.click('#copy-url');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied.startsWith(`${base}/graph/gaussianblur.png?`)).to.equal(true);
    expect(new URL(copied).searchParams.get('std-dev-x')).to.equal('5.5');
    // An uploaded image travels as the body: the same request, made outside the page.
    const res = await fetch(copied, { method: 'POST', body: new Uint8Array(upload) });
    expect(res.status).to.equal(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(blurred)).to.equal(true);
  });

  it('takes an image URL, and its copied URL is a plain GET with the same bytes', async () => {
    await page.fill('#url', origin.url('/photo.jpg'));
    await page.click('#url-form button[type=submit]');
    generation = await nextPreview(page, generation);
    const shown = await previewBytes(page);
    await page.click('#copy-url');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(new URL(copied).searchParams.get('input')).to.equal(origin.url('/photo.jpg'));
    const res = await fetch(copied);
    expect(res.status).to.equal(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(shown)).to.equal(true);
    expect(await page.textContent('#snippets')).to.contain('npx imgflow sign');
  });

  it('fits a phone: no sideways scrolling at 390 px, sliders full width', async () => {
    await page.click('button[data-sample=landscape]');
    generation = await nextPreview(page, generation);
    await page.click('label[for=graph-xproii]');
    generation = await nextPreview(page, generation);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(process.env.IMGFLOW_SCREENSHOTS_DIR ?? cacheDir, 'playground-desktop.jpg'), type: 'jpeg', quality: 80 });
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).to.be.at.most(0);
    // The result comes first, above the controls, and the snippets after them.
    const top = async (sel: string) => (await page.locator(sel).boundingBox())!.y;
    expect(await top('#result-heading')).to.be.lessThan(await top('#graph-heading'));
    expect(await top('#snippets-heading')).to.be.greaterThan(await top('#params-heading'));
    const box = await page.locator('#param-strength').boundingBox();
    expect(box!.width).to.be.greaterThan(100);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(process.env.IMGFLOW_SCREENSHOTS_DIR ?? cacheDir, 'playground-phone.jpg'), type: 'jpeg', quality: 80 });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('moves between graphs with the arrow keys, like any radio group', async () => {
    await page.focus('#graph-gaussianblur');
    await page.keyboard.press('ArrowRight');
    const focused = await page.evaluate(() => (document.activeElement as HTMLInputElement).value);
    expect(focused).to.not.equal('gaussianblur');
    expect(await page.isChecked(`#graph-${focused}`)).to.equal(true);
    expect(await page.textContent('#graph-description')).to.match(new RegExp(`^${focused}: `));
    expect(await page.locator('#params .field').count()).to.be.greaterThan(0);
  });

  it('/docs lists every route', async () => {
    await page.goto(`${base}/docs`);
    await page.waitForSelector('.opblock-summary-path', { timeout: 20000 });
    const shown = new Set(await page.$$eval('.opblock', (blocks) => blocks.map((b) => {
      const method = b.querySelector('.opblock-summary-method')?.textContent?.trim().toUpperCase();
      const path = b.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? b.querySelector('.opblock-summary-path')?.textContent?.trim();
      return `${method} ${path?.replace(/\u200b/g, '')}`;
    })));
    const routes = registeredRoutes(app).filter((r) => !r.hidden && r.method !== 'HEAD');
    expect(routes.length).to.be.greaterThan(15);
    for (const r of routes) expect(shown.has(`${r.method} ${r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`), `${r.method} ${r.url}`).to.equal(true);
    expect(shown.has('GET /graph/gaussianblur.{ext}')).to.equal(true);
  });
});

describe('playground in headless Chromium, signed mode', function () {
  this.timeout(60000);
  const JWT_SECRET = 'browser-jwt-secret-0123456789abcdefgh';
  let app: FastifyInstance;
  let runtime: Runtime;
  let browser: Browser;
  let base: string;

  before(async () => {
    const config = loadConfig({ graphsDir: 'graphs', cacheStore: 'none', appKey: 'site', appSecret: 'site-secret-0001', jwtSecret: JWT_SECRET, logLevel: 'silent' }, {});
    runtime = await createRuntime({ graphsDir: 'graphs', watch: false, concurrency: 2 });
    app = await buildApp(config, { runtime });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await runtime?.close();
  });

  it('asks for an admin token, then previews through URLs the server signed', async () => {
    const page = await browser.newPage();
    page.on('pageerror', (err) => { throw err; });
    await page.goto(`${base}/`);
    await page.waitForSelector('body[data-ready=true]');
    expect(await page.isVisible('#token')).to.equal(true);
    await page.click('button[data-sample=shapes]');
    await page.waitForFunction(() => document.getElementById('error')?.textContent !== '');
    expect(await page.textContent('#error')).to.contain('admin token');

    await page.fill('#token', jwt.sign({ admin: true }, JWT_SECRET, { algorithm: 'HS256', expiresIn: 300 }));
    await page.dispatchEvent('#token', 'change');
    await nextPreview(page, 0);
    expect(await page.textContent('#error')).to.equal('');
    const shown = await previewBytes(page);
    const request = (await page.textContent('#request-url'))!;
    expect(request).to.match(new RegExp(`^POST ${base}/graph/site/[A-Za-z0-9_-]{43}/gaussianblur\\.png$`));
    // The page holds no secret: nothing it was sent contains one.
    const config = await (await fetch(`${base}/playground/config`)).text();
    expect(config).to.not.contain('site-secret-0001');
    const sample = await page.evaluate(async () => {
      const bytes = new Uint8Array(await (await fetch(document.querySelector<HTMLImageElement>('#before')!.src)).arrayBuffer());
      return Array.from(bytes);
    });
    const res = await fetch(request.slice('POST '.length), { method: 'POST', body: new Uint8Array(sample) });
    expect(res.status).to.equal(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(shown)).to.equal(true);
    await page.close();
  });
});

describe('playground in headless Chromium, a job-class graph', function () {
  this.timeout(60000);
  let app: FastifyInstance;
  let runtime: Runtime;
  let browser: Browser;
  let base: string;
  const dirs: string[] = [];

  before(async () => {
    // jobby: three gamma stages, forced to the job class (queue testq) by its properties.
    const graphs = await jobGraphsDir();
    const cacheDir = await mkdtemp(join(tmpdir(), 'imgflow-playground-jobs-'));
    dirs.push(graphs, cacheDir);
    const config = loadConfig({ graphsDir: graphs, cacheDir, logLevel: 'silent' }, {});
    runtime = await createRuntime({ graphsDir: graphs, watch: false, concurrency: 2, workClasses: workClassOptions(config) });
    app = await buildApp(config, { runtime });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await runtime?.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('follows the job to succeeded 100 %, then previews the same image a direct request gives', async () => {
    const page = await browser.newPage();
    page.on('pageerror', (err) => { throw err; });
    const jobAnswers: string[] = [];
    const followed: string[] = [];
    page.on('response', (res) => {
      const path = new URL(res.url()).pathname;
      if (path === '/graph/jobby.png' && res.status() === 202) jobAnswers.push(res.headers().location ?? '');
      if (path.startsWith('/jobs/')) followed.push(path);
    });
    await page.goto(`${base}/`);
    await page.waitForSelector('body[data-ready=true]');
    expect(await page.textContent('label[for=graph-jobby] .badge')).to.equal('job');
    await page.click('label[for=graph-jobby]');
    // Every text the progress display shows, in order, recorded in the page.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { progressSeen: string[] }).progressSeen = seen;
      const text = document.getElementById('progress-text')!;
      new MutationObserver(() => { if (!document.getElementById('progress-box')!.hidden) seen.push(text.textContent ?? ''); })
        .observe(text, { childList: true, characterData: true, subtree: true });
    });
    const upload = await sharp(noiseRaw(160, 120, 3, 11), { raw: { width: 160, height: 120, channels: 3 } }).png().toBuffer();
    await page.setInputFiles('#file', { name: 'generated.png', mimeType: 'image/png', buffer: upload });
    await nextPreview(page, 0);
    expect(await page.textContent('#error')).to.equal('');

    // The page asked for the job (202 + Location) and followed it at /jobs/<id>.
    expect(jobAnswers).to.have.length(1);
    expect(jobAnswers[0]).to.match(/^\/jobs\/[^/]+$/);
    expect(followed.some((p) => p.startsWith(jobAnswers[0])), followed.join(' ')).to.equal(true);
    // The progress display was shown with the server's statuses and ends at 100 %.
    expect(await page.isVisible('#progress-box')).to.equal(true);
    expect(await page.$eval('#progress', (p) => (p as HTMLProgressElement).value)).to.equal(1);
    expect(await page.textContent('#progress-text')).to.equal('succeeded 100%');
    const seen = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
    expect(seen.length, seen.join(' | ')).to.be.greaterThan(0);
    for (const t of seen) expect(t).to.match(/^(queued|processing|succeeded) \d+%/);
    const status = await (await fetch(`${base}${jobAnswers[0]}`)).json() as { state: string; progress: number };
    expect(status).to.include({ state: 'succeeded', progress: 1 });

    // The preview is the job's result: the same pixels as the same request made outside the page.
    const shown = await previewBytes(page);
    const request = (await page.textContent('#request-url'))!;
    expect(request).to.equal(`POST ${base}/graph/jobby.png`);
    const res = await fetch(request.slice('POST '.length), { method: 'POST', body: new Uint8Array(upload) });
    expect(res.status).to.equal(200);
    const direct = Buffer.from(await res.arrayBuffer());
    const [a, b] = await Promise.all([shown, direct].map((x) => sharp(x).raw().toBuffer({ resolveWithObject: true })));
    expect(a.info).to.deep.include({ width: 160, height: 120 });
    expect(b.info).to.deep.equal(a.info);
    expect(a.data.equals(b.data)).to.equal(true);
    // ...and not the input passed through: three gammas changed it.
    const input = await sharp(upload).raw().toBuffer();
    expect(a.data.equals(input)).to.equal(false);
    await page.close();
  });
});
