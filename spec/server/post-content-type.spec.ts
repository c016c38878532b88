/**
 * A POSTed image reaches the image sniffing whatever its Content-Type says (README: any
 * Content-Type works): fastify's own text/plain and application/json parsers must not take it.
 */
import { expect } from 'chai';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { createRuntime, type Runtime } from '../../runtime/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { testPng } from '../_helpers/images.ts';

describe('HTTP POST /graph: any Content-Type', function () {
  this.timeout(20000);
  let app: FastifyInstance;
  let runtime: Runtime;
  let base: string;
  let png: Buffer;

  before(async () => {
    png = await testPng(40, 30);
    const config = loadConfig({ graphsDir: 'graphs', logLevel: 'silent', maxInputBytes: 100_000 }, {});
    runtime = await createRuntime({ graphsDir: config.graphsDir, watch: false });
    app = await buildApp(config, { runtime });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await app.close();
    runtime.close();
  });

  const post = (body: Uint8Array<ArrayBuffer>, contentType?: string) =>
    fetch(`${base}/graph/resize.png?width=20`, { method: 'POST', body, headers: contentType === undefined ? {} : { 'content-type': contentType } });

  for (const contentType of ['text/plain', 'text/plain; charset=utf-8', 'application/json', 'application/json; charset=utf-8', undefined, 'garbage', 'x/y; q=1;;;', 'image/jpeg']) {
    it(`processes a PNG sent as ${contentType ?? 'no Content-Type'}`, async () => {
      const res = await post(new Uint8Array(png), contentType);
      expect(res.status, await res.clone().text().catch(() => '')).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('image/png');
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      expect([meta.width, meta.height]).to.deep.equal([20, 15]);
    });
  }

  it('answers a JSON document sent as application/json with the sniffing 415', async () => {
    const res = await post(new TextEncoder().encode(JSON.stringify({ image: 'not really' })), 'application/json');
    expect(res.status).to.equal(415);
    expect((await res.json()).code).to.equal('IMGFLOW_ERR_INPUT_NOT_IMAGE');
  });

  it('keeps the input byte limit for every Content-Type', async () => {
    const big = new Uint8Array(150_000);
    for (const contentType of ['application/json', 'text/plain', 'application/octet-stream']) {
      const res = await post(big, contentType);
      expect(res.status, contentType).to.equal(413);
      expect((await res.json()).code, contentType).to.match(/^(IMGFLOW_ERR_|FST_)/);
    }
  });
});
