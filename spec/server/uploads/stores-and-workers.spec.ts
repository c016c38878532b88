/**
 * Uploads on the other store and the other engine: S3 (a real s3rver on 127.0.0.1), and BullMQ
 * on the real Redis with an `imgflow worker` process making the variants.
 */
import { expect } from 'chai';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { rm } from 'node:fs/promises';
import S3rver from 's3rver';
import sharp from 'sharp';
import { request, startTestServer, tempDir, type TestServer } from '../auth-cache-fixtures.ts';
import { deletePrefix, REDIS_URL, spawnWorker, type WorkerProcess } from '../jobs/_processes.ts';
import { filesUnder, photoJpeg } from './_fixtures.ts';

const BUCKET = 'imgflow-uploads';

describe('uploads: S3 store (s3rver)', function () {
  this.timeout(60_000);
  let directory: string;
  let s3: S3rver;
  let endpoint: string;
  let server: TestServer;

  before(async () => {
    directory = await tempDir('s3rver-uploads');
    s3 = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: BUCKET }] });
    const { port } = await s3.run();
    endpoint = `http://127.0.0.1:${port}`;
    server = await startTestServer({
      uploadStore: 's3', s3Bucket: BUCKET, s3Endpoint: endpoint, s3ForcePathStyle: true, s3AccessKeyId: 'S3RVER', s3SecretAccessKey: 'S3RVER',
      s3ConnectTimeoutMs: 500, s3RequestTimeoutMs: 5000,
    });
  });
  after(async () => {
    await server.close();
    s3.httpServer?.closeAllConnections();
    await s3.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('stores original and variants under uploads/<id>/ in the bucket, serves them, and delete removes every object', async () => {
    const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    const list = async (prefix: string) => ((await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!).sort();
    const jpeg = await photoJpeg(400, 300, 11);
    const res = await request(server.url('/uploads'), { method: 'POST', body: new Uint8Array(jpeg) });
    expect(res.status, res.body.toString()).to.equal(201);
    const { id, variants } = res.json();
    const spec = (name: string) => new URL(variants[name].url, server.base).searchParams.get('v');
    expect(await list(`uploads/${id}/`)).to.deep.equal(['avif', 'jpeg', 'original', 'owner', 'thumbnail', 'webp']
      .map((k) => `uploads/${id}/${k === 'original' || k === 'owner' ? k : `${k}.${spec(k)}`}`).sort());
    const thumb = await request(server.url(variants.thumbnail.url));
    expect(thumb.headers.get('content-type')).to.equal('image/png');
    expect((await sharp(thumb.body).metadata()).width).to.equal(256);

    const del = await request(server.url(`/uploads/${id}`), { method: 'DELETE' });
    expect(del.status).to.equal(204);
    expect(await list(`uploads/${id}/`)).to.deep.equal([]);
    client.destroy();
  });

  it('redirects to the object of the ?v= asked for (IMGFLOW_CACHE_SERVE=redirect); without ?v=, to the current one, not cached as immutable', async () => {
    const redirecting = await startTestServer({
      uploadStore: 's3', cacheStore: 's3', cacheServe: 'redirect', s3Bucket: BUCKET, s3Endpoint: endpoint, s3ForcePathStyle: true, s3AccessKeyId: 'S3RVER', s3SecretAccessKey: 'S3RVER',
      s3ConnectTimeoutMs: 500, s3RequestTimeoutMs: 5000,
    });
    try {
      const res = await request(redirecting.url('/uploads'), { method: 'POST', body: new Uint8Array(await photoJpeg(200, 150, 17)) });
      expect(res.status, res.body.toString()).to.equal(201);
      const { id, variants } = res.json();
      const v = new URL(variants.webp.url, redirecting.base).searchParams.get('v');
      const versioned = await request(redirecting.url(variants.webp.url));
      expect(versioned.status).to.equal(302);
      expect(versioned.headers.get('cache-control')).to.contain('immutable');
      expect(versioned.headers.get('location')).to.match(new RegExp(`/uploads/${id}/webp\\.${v}$`));
      const object = await request(versioned.headers.get('location')!);
      expect(object.status).to.equal(200);
      expect(object.body.length).to.equal(variants.webp.bytes);
      const current = await request(redirecting.url(`/uploads/${id}/webp`));
      expect(current.status).to.equal(302);
      expect(current.headers.get('location')).to.equal(versioned.headers.get('location'));
      expect(current.headers.get('cache-control')).to.equal('no-cache');
      const bogus = await request(redirecting.url(`/uploads/${id}/webp?v=AAAAAAAAAAAA`));
      expect(bogus.status).to.equal(404);
      expect(bogus.json().code).to.equal('IMGFLOW_ERR_UPLOAD_VARIANT_NOT_FOUND');
      expect((await request(redirecting.url(`/uploads/${id}`), { method: 'DELETE' })).status).to.equal(204);
    } finally {
      await redirecting.close();
    }
  });
});

describe('uploads: BullMQ engine, variants made by an imgflow worker process (real Redis)', function () {
  this.timeout(90_000);
  const prefix = `imgflow-spec-uploads-${process.pid}-${Date.now()}`;
  let uploadDir: string;
  let server: TestServer;
  let worker: WorkerProcess;

  before(async () => {
    uploadDir = await tempDir('uploads-bullmq');
    server = await startTestServer({ uploadDir, uploadStore: 'disk', redisUrl: REDIS_URL, redisPrefix: prefix, uploadWaitSeconds: 60 });
    worker = spawnWorker({
      IMGFLOW_REDIS_URL: REDIS_URL, IMGFLOW_REDIS_PREFIX: prefix, IMGFLOW_GRAPHS_DIR: server.graphsDir, IMGFLOW_UPLOAD_DIR: uploadDir,
      IMGFLOW_UPLOAD_STORE: 'disk', IMGFLOW_CACHE_STORE: 'none', IMGFLOW_WORKER_METRICS_PORT: '0', IMGFLOW_HOST: '127.0.0.1', IMGFLOW_GPU: 'cpu', IMGFLOW_LOG_LEVEL: 'info',
    }, ['--queues', 'uploads', '--concurrency', '1']);
    await worker.ready;
  });
  after(async () => {
    if (worker.proc.exitCode === null) worker.proc.kill('SIGTERM');
    await worker.exited;
    await server.close();
    await deletePrefix(prefix);
    await rm(uploadDir, { recursive: true, force: true });
  });

  it('the worker process makes the four variants; the web process only stored the original', async () => {
    const jpeg = await photoJpeg(480, 360, 12);
    const evaluations = server.evaluations();
    const res = await request(server.url('/uploads'), { method: 'POST', body: new Uint8Array(jpeg) });
    expect(res.status, res.body.toString()).to.equal(201);
    const { id, variants } = res.json();
    expect(Object.keys(variants).sort()).to.deep.equal(['avif', 'jpeg', 'thumbnail', 'webp']);
    expect(server.evaluations()).to.equal(evaluations);
    const made = worker.lines('upload variant stored').filter((l) => l.upload === id).map((l) => l.variant).sort();
    expect(made).to.deep.equal(['avif', 'jpeg', 'thumbnail', 'webp']);
    expect((await filesUnder(uploadDir)).filter((f) => f.startsWith(`${id}/`))).to.have.length(6);
    const avif = await request(server.url(variants.avif.url));
    expect(avif.headers.get('content-type')).to.equal('image/avif');
    expect((await sharp(avif.body).metadata()).width).to.equal(480);
    // Again: answered from the manifest, no job.
    const again = await request(server.url('/uploads'), { method: 'POST', body: new Uint8Array(jpeg) });
    expect(again.status).to.equal(200);
    expect(worker.lines('upload variant stored').filter((l) => l.upload === id)).to.have.length(4);
  });
});
