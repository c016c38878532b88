/**
 * IMGFLOW_ALLOWED_SOURCE_HOSTS end to end: two real origins on 127.0.0.1, one named by its
 * address (allowed), the other as `localhost` (not in the list). The refused one must never
 * see a connection, whether named by the input, an image parameter, a redirect hop or a
 * Flowhub sample URL.
 */
import { expect } from 'chai';
import sharp from 'sharp';
import { loadConfig } from '../../server/config.ts';
import { fetchWithConfig } from '../../server/source.ts';
import { rejection } from '../_helpers/rejection.ts';
import { startOrigin, type Origin } from '../input/_origin.ts';
import { request, startTestServer, type TestServer } from './auth-cache-fixtures.ts';

describe('server: source-host allowlist (IMGFLOW_ALLOWED_SOURCE_HOSTS)', function () {
  this.timeout(10_000);
  let png: Buffer;
  let allowed: Origin;
  let other: Origin;
  let server: TestServer;
  /** The refused origin, named by a host that is not in the list. */
  const otherUrl = (p: string) => other.url(p).replace('127.0.0.1', 'localhost');

  before(async () => {
    png = await sharp({ create: { width: 16, height: 12, channels: 3, background: '#2080c0' } }).png().toBuffer();
    const serve: Parameters<typeof startOrigin>[0] = (req, res) => {
      const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to');
      if (to) res.writeHead(302, { location: to }).end();
      else res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    };
    allowed = await startOrigin(serve);
    other = await startOrigin(serve);
    server = await startTestServer({ allowedSourceHosts: '127.0.0.1', cacheStore: 'none' });
    // A graph with an image parameter, like deepdream's guide.
    await server.runtime.store.put('stamp', {
      properties: { name: 'stamp' },
      inports: { input: { process: 'c', port: 'input' }, stamp: { process: 'c', port: 'aux' } },
      outports: { output: { process: 'c', port: 'output' } },
      processes: { c: { component: 'composite' } },
      connections: [],
    });
  });
  after(async () => {
    await server.close();
    await allowed.close();
    await other.close();
  });
  const expectUntouched = () => expect(other.connections()).to.equal(0, 'the refused origin saw a connection');

  const image = (graph: string, params: Record<string, string>) =>
    request(server.url(`/graph/${graph}.png?${new URLSearchParams(params)}`));

  it('serves an input from an allowed host', async () => {
    const res = await image('passthrough', { input: allowed.url('/a.png') });
    expect(res.status).to.equal(200);
    expect((await sharp(res.body).metadata()).width).to.equal(16);
  });

  it('refuses an input from another host with a coded 400, without connecting to it', async () => {
    const res = await image('passthrough', { input: otherUrl('/a.png') });
    expect(res.status).to.equal(400);
    expect(res.json()).to.include({ code: 'IMGFLOW_ERR_INPUT_URL', reason: 'its host localhost is not in the allowlist' });
    expectUntouched();
  });

  it('refuses a redirect from an allowed host to another one', async () => {
    const hops = allowed.hits.size;
    const res = await image('passthrough', { input: allowed.url(`/r?to=${encodeURIComponent(otherUrl('/a.png'))}`) });
    expect(res.status).to.equal(400);
    expect(res.json()).to.include({ code: 'IMGFLOW_ERR_INPUT_URL', redirectedFrom: allowed.url(`/r?to=${encodeURIComponent(otherUrl('/a.png'))}`) });
    expect(allowed.hits.size).to.equal(hops + 1, 'the allowed hop was fetched');
    expectUntouched();
  });

  it('applies to image parameters (deepdream guide=<url>) as to the input', async () => {
    expect((await image('stamp', { input: allowed.url('/a.png'), stamp: allowed.url('/s.png') })).status).to.equal(200);
    const res = await image('stamp', { input: allowed.url('/a.png'), stamp: otherUrl('/s.png') });
    expect(res.status).to.equal(400);
    expect(res.json()).to.have.property('code', 'IMGFLOW_ERR_INPUT_URL');
    expectUntouched();
  });

  it('applies to Flowhub sample URLs (server/runtime-options.ts fetches them with fetchWithConfig)', async () => {
    const config = loadConfig({ allowPrivateSources: true, allowedSourceHosts: '127.0.0.1' }, {});
    expect((await fetchWithConfig(config, allowed.url('/sample.png'), undefined, 'imgflow-runtime')).equals(png)).to.equal(true);
    const err = await rejection(fetchWithConfig(config, otherUrl('/sample.png'), undefined, 'imgflow-runtime'));
    expect(err).to.have.property('code', 'IMGFLOW_ERR_INPUT_URL');
    expectUntouched();
  });

  it('lets any host through when unset or blank', async () => {
    for (const allowedSourceHosts of [undefined, ' ']) {
      const config = loadConfig({ allowPrivateSources: true, allowedSourceHosts }, {});
      expect((await fetchWithConfig(config, allowed.url('/a.png').replace('127.0.0.1', 'localhost'))).equals(png)).to.equal(true);
    }
  });
});
