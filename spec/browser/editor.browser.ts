/**
 * The editor in headless Chromium against a real server on 127.0.0.1 (HTTP + the FBP runtime
 * at /runtime): a designer builds gaussian-blur -> resize from the palette, exports its ports,
 * sets parameters, watches an edge preview change, and /graph/<name>.png serves the edit; a
 * second browser sees it live. Run by `npm run test:browser`. IMGFLOW_SCREENSHOTS=1 also
 * writes docs/editor*.png.
 */
import { expect } from 'chai';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { AddressInfo } from 'node:net';
import { createRuntime, parseGraphSource, type GraphJson } from '../../runtime/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { FULL, READ, startHarness, type Harness } from '../ui-protocol/_fixtures/harness.ts';
import { noiseRaw, pixels } from '../_helpers/images.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = process.env.IMGFLOW_SCREENSHOTS === '1';
const GRAPH = 'blurresize';

/** Sum of absolute horizontal neighbour differences: lower means smoother. */
function roughness(p: { data: Buffer; width: number; height: number; channels: number }): number {
  let s = 0;
  for (let y = 0; y < p.height; y++) for (let x = 1; x < p.width; x++) for (let c = 0; c < 3; c++) {
    const i = (y * p.width + x) * p.channels + c;
    s += Math.abs(p.data[i] - p.data[i - p.channels]);
  }
  return s;
}

async function openEditor(browser: Browser, h: Harness, secret: string, hash = ''): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 850 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  (page as Page & { problems?: string[] }).problems = problems;
  await page.goto(`${h.httpUrl}/editor${hash}`);
  await page.fill('input[name=secret]', secret);
  await page.click('form.connect button[type=submit]');
  await page.waitForSelector('.palette-item[data-component="imgflow/gaussian-blur"]');
  return page;
}

const node = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
const handle = (page: Page, id: string, port: string, kind: 'source' | 'target') =>
  page.locator(`.react-flow__node[data-id="${id}"] .react-flow__handle.${kind}[data-handleid="${port}"]`);

async function connect(page: Page, from: [string, string], to: [string, string]): Promise<void> {
  const a = (await handle(page, from[0], from[1], 'source').boundingBox())!;
  const b = (await handle(page, to[0], to[1], 'target').boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
  await page.mouse.up();
}

async function setParam(page: Page, nodeId: string, port: string, value: string): Promise<void> {
  await node(page, nodeId).locator('.op-head').click();
  await page.waitForSelector(`.inspector[data-node="${nodeId}"]`);
  const input = page.locator(`.inspector tr[data-port="${port}"] input[name="param-${port}"]`);
  await input.fill(value);
  await input.press('Enter');
}

describe('editor in headless Chromium', function () {
  this.timeout(90000);
  let h: Harness;
  let browser: Browser;

  before(async () => {
    h = await startHarness();
    const noise = await sharp(noiseRaw(320, 240), { raw: { width: 320, height: 240, channels: 3 } }).png().toBuffer();
    h.originFiles.set('/noise.png', { body: noise, type: 'image/png' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  });
  after(async () => {
    await browser?.close();
    await h?.close();
  });

  it('builds blur -> resize from the palette, previews an edge live, and HTTP serves the saved graph', async () => {
    const a = await openEditor(browser, h, FULL);
    await a.fill('input[name=new-graph]', GRAPH);
    await a.click('.graph-list form button[type=submit]');
    await a.waitForSelector(`.graph-list button.current[data-graph="${GRAPH}"]`);
    // A second designer has the graph open before anything is in it.
    const b = await openEditor(browser, h, FULL, `#${GRAPH}`);
    await b.waitForSelector(`.graph-list button.current[data-graph="${GRAPH}"]`);

    const canvas = a.locator('.react-flow__pane');
    await a.fill('.palette input[type=search]', 'blur');
    await a.dragAndDrop('.palette-item[data-component="imgflow/gaussian-blur"]', '.react-flow__pane', { targetPosition: { x: 80, y: 200 } });
    await a.fill('.palette input[type=search]', 'resize');
    await a.dragAndDrop('.palette-item[data-component="imgflow/resize"]', '.react-flow__pane', { targetPosition: { x: 560, y: 200 } });
    await node(a, 'gaussian-blur').waitFor();
    await node(a, 'resize').waitFor();
    expect(await canvas.count()).to.equal(1);

    // Moving a node saves its position as integer x/y metadata.
    const x0 = h.runtime.store.get(GRAPH)!.graph.processes.resize.metadata!.x as number;
    const head = (await node(a, 'resize').locator('.op-head').boundingBox())!;
    await a.mouse.move(head.x + 60, head.y + 10);
    await a.mouse.down();
    await a.mouse.move(head.x + 200, head.y + 40, { steps: 10 });
    await a.mouse.move(head.x + 260, head.y + 70, { steps: 10 });
    await a.mouse.up();
    for (let i = 0; i < 50 && h.runtime.store.get(GRAPH)!.graph.processes.resize.metadata!.x === x0; i++) await a.waitForTimeout(50);
    const moved = h.runtime.store.get(GRAPH)!.graph.processes.resize.metadata!;
    expect(moved.x).to.be.a('number').and.satisfy(Number.isInteger).and.greaterThan(x0 + 100);
    expect(moved.y).to.satisfy(Number.isInteger);

    // An image output cannot feed a number: refused, visibly, and nothing is sent.
    await connect(a, ['gaussian-blur', 'output'], ['resize', 'width']);
    await a.waitForSelector('.toast.error:has-text("Connection refused")');
    expect(h.runtime.store.get(GRAPH)!.graph.connections).to.have.length(0);

    await connect(a, ['gaussian-blur', 'output'], ['resize', 'input']);
    await a.waitForSelector('.react-flow__edge[data-id="gaussian-blur.output>resize.input"]');

    // Exports: the blur's image input and std-dev-x, the resize's output; then parameters.
    await node(a, 'gaussian-blur').locator('.op-head').click();
    await a.click('.inspector button[data-export="in:input"]');
    await a.waitForSelector('.inspector button.on[data-export="in:input"]');
    await a.click('.inspector button[data-export="in:std-dev-x"]');
    await a.waitForSelector('.inspector button.on[data-export="in:std-dev-x"]');
    await node(a, 'resize').locator('.op-head').click();
    await a.click('.inspector button[data-export="out:output"]');
    await a.waitForSelector('.inspector button.on[data-export="out:output"]');
    // The export's metadata, edited with nothing selected.
    await a.click('.react-flow__pane', { position: { x: 20, y: 20 } });
    const meta = a.locator('.graph-properties tr[data-exported="in:std-dev-x"]');
    await meta.locator('input[name=meta-max]').fill('50');
    await meta.locator('input[name=meta-description]').fill('Horizontal blur');
    await meta.locator('input[name=meta-description]').press('Enter');
    await a.waitForSelector('.graph-properties tr[data-exported="in:std-dev-x"] input[name=meta-max][value="50"]');
    for (let i = 0; i < 50 && h.runtime.store.get(GRAPH)!.graph.inports?.['std-dev-x']?.metadata?.description !== 'Horizontal blur'; i++) await a.waitForTimeout(50);
    expect(h.runtime.store.get(GRAPH)!.graph.inports!['std-dev-x'].metadata).to.include({ min: 0, max: 50, default: 1.5, description: 'Horizontal blur' });
    await setParam(a, 'resize', 'width', '100');
    await setParam(a, 'gaussian-blur', 'std-dev-x', '0');
    await setParam(a, 'gaussian-blur', 'std-dev-y', '0');

    // Live: run on the sample, select the edge, see its preview; a blur changes it.
    await a.click('header button.run');
    await a.waitForSelector('header button.run:has-text("Stop")');
    await a.locator('.react-flow__edge[data-id="gaussian-blur.output>resize.input"]').click({ force: true });
    const preview = a.locator('.edge-preview img');
    await preview.waitFor();
    const previewSrc = () => a.evaluate(() => document.querySelector('.edge-preview img')?.getAttribute('src') ?? null);
    const before = await previewSrc();
    await setParam(a, 'gaussian-blur', 'std-dev-y', '6');
    // Never gone meanwhile: the watched edge keeps its preview while the graph is edited.
    await a.waitForFunction((src) => {
      const now = document.querySelector('.edge-preview img')?.getAttribute('src');
      if (!now) throw new Error('the watched edge lost its preview');
      return now !== src;
    }, before, { polling: 'raf' });
    const after = await previewSrc();
    expect(after).to.match(/^data:image\/png;base64,/).and.not.equal(before);
    if (SHOTS) {
      await a.click('.react-flow__controls-fitview');
      await a.waitForTimeout(400);
      await a.screenshot({ path: 'docs/editor.png' });
    }

    // An uploaded sample replaces the generated one.
    const upload = await sharp(noiseRaw(200, 100), { raw: { width: 200, height: 100, channels: 3 } }).png().toBuffer();
    await a.setInputFiles('header input[type=file]', { name: 'sample.png', mimeType: 'image/png', buffer: upload });
    await a.waitForSelector('.edge-preview img[alt$=": 200x100"]');

    // Saved to the store: HTTP serves the edited graph at once.
    const saved = h.runtime.store.get(GRAPH)!.graph;
    expect(Object.keys(saved.inports ?? {}).sort()).to.deep.equal(['input', 'std-dev-x']);
    expect(Object.keys(saved.outports ?? {})).to.deep.equal(['output']);
    expect(saved.inports!['std-dev-x'].metadata).to.include({ min: 0, max: 50, default: 1.5, type: 'number' });
    for (const id of ['gaussian-blur', 'resize']) {
      expect(saved.processes[id].metadata?.x).to.be.a('number').and.satisfy(Number.isInteger);
    }
    const input = encodeURIComponent(h.originUrl('/noise.png'));
    const get = async (query: string) => {
      const res = await fetch(`${h.httpUrl}/graph/${GRAPH}.png?input=${input}${query}`);
      expect(res.status, await res.clone().text().catch(() => '')).to.equal(200);
      return pixels(Buffer.from(await res.arrayBuffer()));
    };
    const blurred = await get('&std-dev-x=5');
    const sharpOnlyY = await get('&std-dev-x=0');
    expect([blurred.width, blurred.height]).to.deep.equal([100, 75]);
    expect(roughness(blurred)).to.be.lessThan(roughness(sharpOnlyY) * 0.8);

    // The other editor saw every node and the edge arrive, without reloading.
    await node(b, 'gaussian-blur').waitFor();
    await node(b, 'resize').waitFor();
    await b.waitForSelector('.react-flow__edge[data-id="gaussian-blur.output>resize.input"]');
    expect((a as Page & { problems?: string[] }).problems).to.deep.equal([]);
    expect((b as Page & { problems?: string[] }).problems).to.deep.equal([]);
    await a.context().close();
    await b.context().close();
  });

  it('shows a failing node\'s error on the node; enum, checkbox and colour widgets; groups; deletes with the keyboard, undo and redo; renames and deletes the graph', async () => {
    const page = await openEditor(browser, h, FULL);
    await page.fill('input[name=new-graph]', 'failing');
    await page.click('.graph-list form button[type=submit]');
    await page.waitForSelector('.graph-list button.current[data-graph="failing"]');
    await page.fill('.palette input[type=search]', 'crop');
    await page.dblclick('.palette-item[data-component="imgflow/crop"]');
    await node(page, 'crop').waitFor();
    await setParam(page, 'crop', 'x', '5000');
    await page.click('header button.run');
    const error = node(page, 'crop').locator('.op-error');
    await error.waitFor();
    expect(await error.textContent()).to.have.length.greaterThan(5);
    expect(await node(page, 'crop').locator('.op-node.failed').count()).to.equal(1);
    if (SHOTS) await page.screenshot({ path: 'docs/editor-error.png' });
    await setParam(page, 'crop', 'x', '0');
    await error.waitFor({ state: 'detached' });

    // The other widgets: enum, checkbox and colour, each saved as an IIP.
    await page.fill('.palette input[type=search]', 'resize');
    await page.dblclick('.palette-item[data-component="imgflow/resize"]');
    await node(page, 'resize').locator('.op-head').click();
    await page.selectOption('.inspector select[name="param-fit"]', 'cover');
    await page.check('.inspector input[name="param-enlarge"]');
    await page.fill('.inspector input[name="param-background"]', '#336699');
    await page.press('.inspector input[name="param-background"]', 'Tab');
    const iip = (port: string) => h.runtime.store.get('failing')!.graph.connections.find((c) => !c.src && c.tgt.process === 'resize' && c.tgt.port === port)?.data;
    for (let i = 0; i < 50 && iip('background') === undefined; i++) await page.waitForTimeout(50);
    expect([iip('fit'), iip('enlarge'), iip('background')]).to.deep.equal(['cover', true, '#336699']);

    // Grouping: two nodes selected together become a group, drawn around them; then ungrouped.
    await node(page, 'crop').locator('.op-head').click();
    await page.keyboard.down('Control');
    await node(page, 'resize').locator('.op-head').click();
    await page.keyboard.up('Control');
    await page.fill('.group-form input[name=group-name]', 'pair');
    await page.click('.group-form button[type=submit]');
    await page.waitForSelector('.group-box[data-group="pair"]');
    expect(h.runtime.store.get('failing')!.graph.groups).to.deep.equal([{ name: 'pair', nodes: ['crop', 'resize'] }]);
    await page.click('.react-flow__pane', { position: { x: 20, y: 20 } });
    await page.click('.graph-properties tr[data-group="pair"] button');
    await page.locator('.group-box').waitFor({ state: 'detached' });
    expect(h.runtime.store.get('failing')!.graph.groups).to.deep.equal([]);

    // Deleting an edge, then a node, with the keyboard.
    await connect(page, ['crop', 'output'], ['resize', 'input']);
    const edge = page.locator('.react-flow__edge[data-id="crop.output>resize.input"]');
    await edge.waitFor();
    // Selected through the keyboard (React Flow: focus, Enter), not by a click at the centre of
    // the edge's SVG group's box, which need not lie on the edge.
    // Delete acts on what React Flow's store holds as selected, one render after the selection:
    // the key waits until the edge is drawn selected, or on a loaded machine it deletes nothing.
    await edge.focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('.react-flow__edge.selected[data-id="crop.output>resize.input"]');
    await page.keyboard.press('Delete');
    await edge.waitFor({ state: 'detached' });
    expect(h.runtime.store.get('failing')!.graph.connections.filter((c) => c.src)).to.deep.equal([]);
    await node(page, 'crop').locator('.op-head').click();
    await page.waitForSelector('.react-flow__node.selected[data-id="crop"]');
    await page.keyboard.press('Delete');
    await node(page, 'crop').waitFor({ state: 'detached' });
    expect(Object.keys(h.runtime.store.get('failing')!.graph.processes)).to.deep.equal(['resize']);

    // Undo brings the node back with its parameter, then the edge; redo removes both again.
    const stored = () => h.runtime.store.get('failing')!.graph;
    await page.keyboard.press('Control+z');
    await node(page, 'crop').waitFor();
    await page.keyboard.press('Control+z');
    await edge.waitFor();
    expect(stored().connections.find((c) => !c.src && c.tgt.process === 'crop' && c.tgt.port === 'x')?.data).to.equal(0);
    expect(stored().connections.filter((c) => c.src).map((c) => `${c.src!.process}>${c.tgt.process}`)).to.deep.equal(['crop>resize']);
    await page.click('header button.redo');
    await edge.waitFor({ state: 'detached' });
    await page.keyboard.press('Control+Shift+z');
    await node(page, 'crop').waitFor({ state: 'detached' });
    expect(Object.keys(stored().processes)).to.deep.equal(['resize']);
    expect(await page.locator('header button.redo[disabled]').count()).to.equal(1);

    // Graph properties: with nothing selected the inspector edits the description.
    await page.click('.react-flow__pane', { position: { x: 20, y: 20 } });
    await page.fill('.graph-properties textarea[name=description]', 'crops, then resizes');
    await page.press('.graph-properties textarea[name=description]', 'Tab');
    for (let i = 0; i < 50 && h.runtime.store.get('failing')!.graph.properties?.description === undefined; i++) await page.waitForTimeout(50);
    expect(h.runtime.store.get('failing')!.graph.properties).to.include({ description: 'crops, then resizes' });
    expect(Object.keys(h.runtime.store.get('failing')!.graph.processes)).to.deep.equal(['resize']);

    // Rename, then delete, from the graph list (graph:rename, graph:delete).
    await page.fill('input[name=rename-graph]', 'fixed');
    await page.click('.graph-actions button[type=submit]');
    await page.waitForSelector('.graph-list button.current[data-graph="fixed"]');
    expect(await page.locator('.graph-list button[data-graph="failing"]').count()).to.equal(0);
    expect(h.runtime.store.get('failing')).to.equal(undefined);
    expect(Object.keys(h.runtime.store.get('fixed')!.graph.processes)).to.deep.equal(['resize']);
    page.once('dialog', (d) => void d.accept());
    await page.click('.graph-actions button.danger');
    await page.locator('.graph-list button[data-graph="fixed"]').waitFor({ state: 'detached' });
    expect(h.runtime.store.get('fixed')).to.equal(undefined);
    // Every command the editor sent was accepted: the runtime refused nothing.
    expect(await page.locator('.toast.error').allTextContents()).to.deep.equal([]);
    await page.context().close();
  });

  it('read-only with the read secret: the graph shows, nothing can be edited', async () => {
    const page = await openEditor(browser, h, READ, '#main');
    await node(page, 'grey').waitFor();
    expect(await page.locator('.editor.read-only').count()).to.equal(1);
    expect(await page.locator('.palette-item[draggable="true"]').count()).to.equal(0);
    expect(await page.locator('input[name=new-graph]').count()).to.equal(0);
    expect(await page.locator('.react-flow__node.draggable').count()).to.equal(0);
    await node(page, 'grey').locator('.op-head').click();
    await page.waitForSelector('.inspector[data-node="grey"]');
    expect(await page.locator('.inspector button[data-export]:not([disabled])').count()).to.equal(0);
    await page.context().close();
  });

  it('says why it cannot connect: a wrong secret, or a server without the runtime', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${h.httpUrl}/editor`);
    await page.fill('input[name=secret]', 'not-the-secret');
    await page.click('form.connect button[type=submit]');
    expect(await page.locator('.connect .error').textContent()).to.equal('The runtime refused this secret');
    expect(await page.evaluate(() => sessionStorage.length)).to.equal(0);

    const config = loadConfig({ graphsDir: h.dir, logLevel: 'silent' }, {});
    const runtime = await createRuntime({ graphsDir: h.dir, watch: false });
    const app = await buildApp(config, { runtime });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      await page.goto(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/editor`);
      await page.fill('input[name=secret]', FULL);
      await page.click('form.connect button[type=submit]');
      expect(await page.locator('.connect .error').textContent()).to.include('IMGFLOW_RUNTIME_SECRET');
    } finally {
      await context.close();
      await app.close();
      await runtime.close();
    }
  });

  it('lays out every shipped graph and imgflo\'s own graph files without overlapping nodes', async () => {
    const graphs: Record<string, GraphJson> = {};
    // imgflo's files as shipped (spec/fixtures/imgflo), with the-graph's own positions.
    for (const [dir, prefix] of [['graphs', ''], ['spec/fixtures/imgflo/graphs', 'imgflo-']] as const) {
      for (const file of (await readdir(dir)).sort()) {
        const [base, ext] = [file.replace(/\.(json|fbp)$/, ''), file.split('.').pop()];
        const name = `${prefix}${base}`;
        if (ext === 'json' || ext === 'fbp') graphs[name] = parseGraphSource(name, await readFile(join(dir, file), 'utf8'), ext);
      }
    }
    expect(Object.keys(graphs).filter((n) => n.startsWith('imgflo-'))).to.have.length(5);
    expect(Object.keys(graphs).length).to.be.greaterThan(15);
    // imgflo's graphs carry the-graph's positions: 72 px boxes some 150 px apart, which
    // overlap at the size this editor draws nodes.
    for (const [name, graph] of Object.entries(graphs)) {
      const ids = Object.keys(graph.processes);
      if (ids.length < 2 || name.startsWith('imgflo-')) continue;
      const processes = Object.fromEntries(ids.map((id, i) => [id, { ...graph.processes[id], metadata: { label: id, x: 100 + 150 * i, y: 100 + 60 * (i % 2) } }]));
      graphs[`${name}-imgflo`] = { ...graph, processes };
    }
    const shipped = await startHarness(graphs);
    try {
      const page = await openEditor(browser, shipped, FULL);
      for (const [name, graph] of Object.entries(graphs)) {
        await page.click(`.graph-list button[data-graph="${name}"]`);
        await page.waitForSelector(`.graph-list button.current[data-graph="${name}"]`);
        const count = Object.keys(graph.processes).length;
        await page.waitForFunction((n) => document.querySelectorAll('.react-flow__node').length === n, count);
        // ELK runs asynchronously: wait until the boxes stop moving.
        let boxes: { id: string; x: number; y: number; width: number; height: number }[] = [];
        for (let last = ''; ;) {
          await page.waitForTimeout(150);
          boxes = await page.$$eval('.react-flow__node', (els) => els.map((e) => {
            const r = e.getBoundingClientRect();
            return { id: e.getAttribute('data-id') ?? '', x: r.x, y: r.y, width: r.width, height: r.height };
          }));
          const now = JSON.stringify(boxes);
          if (now === last) break;
          last = now;
        }
        expect(boxes.map((b) => b.id).sort(), name).to.deep.equal(Object.keys(graph.processes).sort());
        for (const [i, a] of boxes.entries()) {
          expect(a.width * a.height, `${name}: ${a.id} has a size`).to.be.greaterThan(0);
          for (const b of boxes.slice(i + 1)) {
            const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
            expect(overlap, `${name}: ${a.id} overlaps ${b.id}`).to.equal(false);
          }
        }
        if (SHOTS && name === 'halodarken') await page.screenshot({ path: 'docs/editor-layout.png' });
      }
      // Opening graphs wrote nothing back.
      for (const [name, graph] of Object.entries(graphs)) expect(shipped.runtime.store.get(name)!.graph.processes, name).to.deep.equal(graph.processes);
      await page.context().close();
    } finally {
      await shipped.close();
    }
  });
});
