import { expect } from 'chai';
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { rm } from 'node:fs/promises';
import S3rver from 's3rver';
import type { Config } from '../../server/config.ts';
import { request, startImageOrigin, startTestServer, tempDir, type ImageOrigin, type TestServer } from './auth-cache-fixtures.ts';

const BUCKET = 'imgcache';

/** A real s3rver on 127.0.0.1, random port (it does not verify SigV4). */
async function startS3rver() {
  const directory = await tempDir('s3rver');
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: BUCKET }] });
  const { port } = await server.run();
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      server.httpServer?.closeAllConnections();
      await server.close();
    },
    async remove() {
      await this.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

function s3Config(endpoint: string, extra: Partial<Config> = {}): Partial<Config> {
  return {
    cacheStore: 's3',
    s3Bucket: BUCKET,
    s3Prefix: 'results/',
    s3Endpoint: endpoint,
    s3ForcePathStyle: true,
    s3AccessKeyId: 'S3RVER',
    s3SecretAccessKey: 'S3RVER',
    s3ConnectTimeoutMs: 200,
    s3RequestTimeoutMs: 1000,
    ...extra,
  };
}

describe('server/cache: S3 tier against s3rver', function () {
  this.timeout(20_000);
  let origin: ImageOrigin;
  let s3: Awaited<ReturnType<typeof startS3rver>>;
  let server: TestServer | undefined;
  const blur = (srv: TestServer, seed: number) => srv.url(`/graph/gaussianblur.png?input=${encodeURIComponent(origin.url(`/img${seed}.png`))}&std-dev-x=2`);

  before(async () => {
    origin = await startImageOrigin();
  });
  after(() => origin.close());
  beforeEach(async () => {
    s3 = await startS3rver();
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await s3.remove();
  });

  it('puts results in the bucket and serves them from S3 after a restart', async () => {
    server = await startTestServer(s3Config(s3.endpoint));
    const first = await request(blur(server, 1));
    expect(first.headers.get('x-cache')).to.equal('miss');
    const { graphsDir } = server;
    await server.app.close(); // waits for the S3 write
    server.runtime.close();

    // The object is in the bucket under the prefix, with our content type.
    const client = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'results/gaussianblur/' }));
    expect(listed.Contents).to.have.length(1);
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: listed.Contents![0].Key! }));
    expect(head.ContentType).to.equal('image/png');
    expect(head.ContentLength).to.equal(first.body.length);
    client.destroy();

    try {
      server = await startTestServer(s3Config(s3.endpoint), { graphsDir });
      const again = await request(blur(server, 1));
      expect(again.headers.get('x-cache')).to.equal('hit');
      expect(again.body.equals(first.body)).to.equal(true);
      expect(server.evaluations()).to.equal(0);
      const h = (await request(server.url('/healthz'))).json();
      expect(h.cache.store).to.equal('s3');
      expect(h.cache.hits.store).to.equal(1);

      // A 304 from S3's HEAD on a fresh start (nothing in memory), without evaluating.
      await server.close();
      server = await startTestServer(s3Config(s3.endpoint), { graphsDir });
      const inm = await request(blur(server, 1), { headers: { 'if-none-match': first.headers.get('etag')! } });
      expect(inm.status).to.equal(304);
      expect(server.evaluations()).to.equal(0);
    } finally {
      await rm(graphsDir, { recursive: true, force: true });
    }
  });

  it('redirects to the stored object in redirect mode', async () => {
    server = await startTestServer(s3Config(s3.endpoint, { cacheServe: 'redirect' }));
    const first = await request(blur(server, 2));
    expect(first.status).to.equal(302);
    expect(first.headers.get('x-cache')).to.equal('miss');
    const location = first.headers.get('location')!;
    expect(location).to.match(new RegExp(`^${s3.endpoint}/${BUCKET}/results/gaussianblur/[0-9a-f]{64}\\.png$`));
    const object = await request(location);
    expect(object.status).to.equal(200);
    expect(object.headers.get('content-type')).to.equal('image/png');
    const second = await request(blur(server, 2));
    expect(second.status).to.equal(302);
    expect(second.headers.get('x-cache')).to.equal('hit');
    expect(second.headers.get('location')).to.equal(location);
    expect(second.headers.get('etag')).to.equal(first.headers.get('etag'));
    expect(server.evaluations()).to.equal(1);
  });

  it('still serves when S3 goes down mid-run, and logs and counts the failures', async () => {
    server = await startTestServer(s3Config(s3.endpoint, { cacheServe: 'redirect' }));
    const stored = await request(blur(server, 3));
    expect(stored.status).to.equal(302);
    await s3.stop();
    // New image: processed and streamed, since it cannot be stored.
    const fresh = await request(blur(server, 4));
    expect(fresh.status).to.equal(200);
    expect(fresh.headers.get('x-cache')).to.equal('miss');
    expect(fresh.headers.get('content-type')).to.equal('image/png');
    // Cached before the outage: still in memory, served (by redirect until the breaker opens, then streamed).
    const again = await request(blur(server, 4));
    expect(again.status).to.equal(200);
    expect(again.headers.get('x-cache')).to.equal('hit');
    const metrics = (await request(server.url('/metrics'))).body.toString();
    const errorsCount = Number(/imgflow_cache_store_errors_total\{store="s3"\} (\d+)/.exec(metrics)?.[1]);
    expect(errorsCount).to.be.at.least(1);
    const health = (await request(server.url('/healthz'))).json();
    expect(health.cache.storeErrors).to.be.at.least(1);
  });

  it('streams by default and keeps serving when S3 is unreachable from the start', async () => {
    await s3.stop();
    server = await startTestServer(s3Config(s3.endpoint));
    const res = await request(blur(server, 5));
    expect(res.status).to.equal(200);
    expect(res.headers.get('x-cache')).to.equal('miss');
    expect((await request(blur(server, 5))).headers.get('x-cache')).to.equal('hit');
  });
});
