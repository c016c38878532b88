/**
 * Output and intermediate sizes are checked from the plan and the input's header before any
 * evaluation: a real server on 127.0.0.1, with runtime.evaluateAdmitted counted.
 */
import { expect } from 'chai';
import type { FastifyInstance } from 'fastify';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createRuntime, type Runtime } from '../../runtime/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { chainGraph } from '../_helpers/graphs.ts';
import { testPng } from '../_helpers/images.ts';

describe('output size checked before the work', function () {
  this.timeout(20000);
  let dir: string;
  let app: FastifyInstance;
  let runtime: Runtime;
  let base: string;
  let evaluations = 0;
  let png: Buffer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imgflow-output-size-'));
    await copyFile('graphs/resize.json', join(dir, 'resize.json'));
    // An enlarge, then a shrink back: a small output through a giant intermediate.
    const updown = chainGraph([['imgflow/resize', { enlarge: true }], ['imgflow/resize', {}]]);
    updown.inports = { ...updown.inports, up: { process: 'n0', port: 'width' }, down: { process: 'n1', port: 'width' } };
    await writeFile(join(dir, 'updown.json'), JSON.stringify(updown));
    const pad = chainGraph([['imgflow/extend', {}]]);
    pad.inports = { ...pad.inports, left: { process: 'n0', port: 'left' }, right: { process: 'n0', port: 'right' }, top: { process: 'n0', port: 'top' }, bottom: { process: 'n0', port: 'bottom' } };
    await writeFile(join(dir, 'pad.json'), JSON.stringify(pad));

    const config = loadConfig({ graphsDir: dir, logLevel: 'silent', cacheStore: 'none', cacheMemoryMaxBytes: 0, maxOutputPixels: 100_000, maxInputPixels: 1_000_000 }, {});
    runtime = await createRuntime({ graphsDir: config.graphsDir, watch: false, concurrency: 2, maxQueue: 2 });
    const evaluate = runtime.evaluateAdmitted.bind(runtime);
    runtime.evaluateAdmitted = (prepared, options) => {
      evaluations++;
      return evaluate(prepared, options);
    };
    app = await buildApp(config, { runtime });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    png = await testPng(64, 64);
  });

  after(async () => {
    await app.close();
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => { evaluations = 0; });

  const post = async (path: string, body: Buffer) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'image/png' } });
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
  };
  const code = (r: { body: Buffer }) => JSON.parse(r.body.toString()).code;

  it('refuses resize?width=16384&enlarge=true on a 64x64 PNG with 422 and no evaluation', async () => {
    const r = await post('/graph/resize.png?width=16384&enlarge=true', png);
    expect([r.status, code(r)]).to.deep.equal([422, 'IMGFLOW_ERR_OUTPUT_TOO_LARGE']);
    expect(JSON.parse(r.body.toString())).to.include({ width: 16384, height: 16384 });
    expect(evaluations).to.equal(0);
  });

  it('evaluates the same request within the limit (the count sees evaluations)', async () => {
    const r = await post('/graph/resize.png?width=300&enlarge=true', png);
    expect(r.status).to.equal(200);
    expect(await sharp(r.body).metadata()).to.include({ width: 300, height: 300 });
    expect(evaluations).to.equal(1);
  });

  it('refuses an enlarge followed by a shrink, though the output is small', async () => {
    const r = await post('/graph/updown.png?up=4096&down=64', png);
    expect([r.status, code(r)]).to.deep.equal([422, 'IMGFLOW_ERR_OUTPUT_TOO_LARGE']);
    expect(JSON.parse(r.body.toString())).to.include({ node: 'n0', width: 4096, height: 4096 });
    expect(evaluations).to.equal(0);
  });

  it('refuses padding that makes the output too large', async () => {
    const r = await post('/graph/pad.png?left=2000&right=2000&top=10', png);
    expect([r.status, code(r)]).to.deep.equal([422, 'IMGFLOW_ERR_OUTPUT_TOO_LARGE']);
    expect(evaluations).to.equal(0);
  });

  it('sizes an EXIF-rotated JPEG as the graph receives it (turned)', async () => {
    // 100x10 stored, 10x100 once auto-oriented: width=200 makes 200x2000 (400,000 pixels), not 200x20.
    const jpeg = await sharp({ create: { width: 100, height: 10, channels: 3, background: '#468' } }).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const r = await post('/graph/resize.png?width=200&enlarge=true', jpeg);
    expect([r.status, code(r)]).to.deep.equal([422, 'IMGFLOW_ERR_OUTPUT_TOO_LARGE']);
    expect(JSON.parse(r.body.toString())).to.include({ width: 200, height: 2000 });
    expect(evaluations).to.equal(0);
  });
});
