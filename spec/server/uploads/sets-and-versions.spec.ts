/**
 * Two sets of one upload at once (a job per upload and set; the manifest from the variants
 * themselves), and variant URLs that stay true when a variant is redefined (`?v=` is the
 * stored definition).
 */
import { expect } from 'chai';
import { rm } from 'node:fs/promises';
import sharp from 'sharp';
import { request, startTestServer, tempDir, type TestServer } from '../auth-cache-fixtures.ts';
import { filesUnder, photoJpeg } from './_fixtures.ts';

const post = (server: TestServer, body: Buffer, query = '', headers: Record<string, string> = {}) =>
  request(server.url(`/uploads${query}`), { method: 'POST', body: new Uint8Array(body), headers });

async function finished(server: TestServer, location: string) {
  for (const deadline = Date.now() + 80_000; Date.now() < deadline;) {
    const job = (await request(server.url(location))).json();
    if (job.state === 'succeeded' || job.state === 'failed') return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${location} did not finish`);
}

describe('uploads: a second set of the same bytes while the first set is being made', function () {
  this.timeout(90_000);
  let server: TestServer;
  let uploadDir: string;

  before(async () => {
    uploadDir = await tempDir('uploads-two-sets');
    const sets = JSON.stringify({
      sets: {
        // Slow enough (AVIF at full size) to be running when the second request comes.
        default: { variants: { big: { graph: 'passthrough', format: 'avif', params: { quality: 60 } }, webp: { graph: 'passthrough', format: 'webp', params: {} } } },
        other: { variants: { small: { graph: 'resize', format: 'png', params: { width: 64 } }, tiny: { graph: 'resize', format: 'jpeg', params: { width: 16 } } } },
      },
    });
    // Two jobs at once: both sets' jobs run together, each storing its own variants.
    server = await startTestServer({ uploadDir, uploadStore: 'disk', uploadSets: sets, jobConcurrency: 2, uploadWaitSeconds: 60 });
  });
  after(async () => {
    await server.close();
    await rm(uploadDir, { recursive: true, force: true });
  });

  it("answers each set with its own job, makes both, and the manifest lists both sets' variants", async () => {
    const jpeg = await photoJpeg(800, 600, 31);
    const first = await post(server, jpeg, '', { prefer: 'respond-async' });
    expect(first.status, first.body.toString()).to.equal(202);
    const second = await post(server, jpeg, '?set=other', { prefer: 'respond-async' });
    expect(second.status, second.body.toString()).to.equal(202);
    expect(second.json().set).to.equal('other');
    // Not the first set's job: the second set gets one of its own.
    expect(second.headers.get('location')).to.not.equal(first.headers.get('location'));
    expect(second.json().job.state, 'the first job was already done: the spec proves nothing').to.not.equal('succeeded');
    // Read while the first set is made: the manifest says so and where to follow it (the job read
    // after the manifest was still running, so it was running when the manifest was read).
    const during = (await request(server.url(`/uploads/${first.json().id}`))).json();
    const firstJob = (await request(server.url(first.headers.get('location')!))).json();
    expect(firstJob.state, 'the first job was already done: the spec proves nothing').to.be.oneOf(['queued', 'processing']);
    expect(during.pending?.default, JSON.stringify(during)).to.include({ job: first.headers.get('location') });
    expect(during.pending.default.missing).to.include('big');
    const [jobA, jobB] = await Promise.all([finished(server, first.headers.get('location')!), finished(server, second.headers.get('location')!)]);
    expect([jobA.state, jobB.state]).to.deep.equal(['succeeded', 'succeeded']);

    const { id } = first.json();
    const manifest = (await request(server.url(`/uploads/${id}`))).json();
    expect(Object.keys(manifest.variants).sort()).to.deep.equal(['big', 'small', 'tiny', 'webp']);
    expect(manifest, 'nothing is being made any more').to.not.have.property('pending');
    expect(manifest.variants.small).to.include({ type: 'image/png', width: 64, height: 48 });
    expect(manifest.original).to.include({ type: 'image/jpeg', width: 800, height: 600, bytes: jpeg.length });
    for (const v of Object.values(manifest.variants) as Array<{ url: string; type: string; bytes: number }>) {
      const served = await request(server.url(v.url));
      expect(served.status, v.url).to.equal(200);
      expect(served.headers.get('content-type'), v.url).to.equal(v.type);
      expect(served.body.length, v.url).to.equal(v.bytes);
    }
    // Each set again: answered from the store, no job.
    const before = (await request(server.url('/healthz'))).json().jobs.submitted;
    const againOther = await post(server, jpeg, '?set=other');
    const againDefault = await post(server, jpeg);
    expect([againOther.status, againDefault.status]).to.deep.equal([200, 200]);
    expect(Object.keys(againOther.json().variants).sort()).to.deep.equal(['small', 'tiny']);
    expect(againOther.json().variants.small).to.deep.equal(manifest.variants.small);
    expect(Object.keys(againDefault.json().variants).sort()).to.deep.equal(['big', 'webp']);
    expect((await request(server.url('/healthz'))).json().jobs.submitted).to.equal(before);
  });

  it('makes both sets when the second request waits (Prefer: wait) instead of answering at once', async () => {
    const jpeg = await photoJpeg(800, 600, 32);
    const first = await post(server, jpeg, '', { prefer: 'respond-async' });
    expect(first.status).to.equal(202);
    const second = await post(server, jpeg, '?set=other');
    expect(second.status, second.body.toString()).to.equal(201);
    expect(Object.keys(second.json().variants).sort()).to.deep.equal(['small', 'tiny']);
    await finished(server, first.headers.get('location')!);
    const manifest = (await request(server.url(`/uploads/${first.json().id}`))).json();
    expect(Object.keys(manifest.variants).sort()).to.deep.equal(['big', 'small', 'tiny', 'webp']);
  });
});

describe('uploads: a redefined variant gets a new URL; the old URL keeps its bytes', function () {
  this.timeout(90_000);
  let uploadDir: string;
  const setsWith = (width: number) => JSON.stringify({ sets: { default: { variants: { small: { graph: 'resize', format: 'png', params: { width } } } } } });

  before(async () => {
    uploadDir = await tempDir('uploads-redefined');
  });
  after(async () => {
    await rm(uploadDir, { recursive: true, force: true });
  });

  it('serves the old ?v= bytes unchanged after a redefinition, the new ones at a new ?v=, and 404 for a ?v= never stored', async () => {
    const jpeg = await photoJpeg(400, 300, 33);
    const v1 = await startTestServer({ uploadDir, uploadStore: 'disk', uploadSets: setsWith(50) });
    let oldUrl: string;
    let oldBytes: Buffer;
    try {
      const res = await post(v1, jpeg);
      expect(res.status, res.body.toString()).to.equal(201);
      oldUrl = res.json().variants.small.url;
      expect(oldUrl).to.match(/\?v=[A-Za-z0-9_-]+$/);
      oldBytes = (await request(v1.url(oldUrl))).body;
      expect((await sharp(oldBytes).metadata()).width).to.equal(50);
    } finally {
      await v1.close();
    }

    // The same store, the variant redefined.
    const v2 = await startTestServer({ uploadDir, uploadStore: 'disk', uploadSets: setsWith(60) });
    try {
      const res = await post(v2, jpeg);
      // Not answered from the old definition's variant: made again.
      expect(res.status, res.body.toString()).to.equal(201);
      const newUrl = res.json().variants.small.url as string;
      expect(newUrl).to.not.equal(oldUrl);
      expect(res.json().variants.small).to.include({ width: 60, height: 45 });

      const old = await request(v2.url(oldUrl));
      expect(old.status).to.equal(200);
      expect(old.headers.get('cache-control')).to.contain('immutable');
      expect(old.body.equals(oldBytes), 'the bytes behind the old immutable URL changed').to.equal(true);
      const fresh = await request(v2.url(newUrl));
      expect(fresh.headers.get('cache-control')).to.contain('immutable');
      expect((await sharp(fresh.body).metadata()).width).to.equal(60);

      // A ?v= that names no stored definition is a coded 404, not some other version's bytes.
      const { id } = res.json();
      const bogus = await request(v2.url(`/uploads/${id}/small?v=AAAAAAAAAAAA`));
      expect(bogus.status).to.equal(404);
      expect(bogus.json().code).to.equal('IMGFLOW_ERR_UPLOAD_VARIANT_NOT_FOUND');
      // Without ?v=: the current definition, not cached as immutable.
      const current = await request(v2.url(`/uploads/${id}/small`));
      expect(current.status).to.equal(200);
      expect(current.body.equals(fresh.body)).to.equal(true);
      expect(current.headers.get('cache-control')).to.not.contain('immutable');
      // The manifest lists the current definition.
      expect((await request(v2.url(`/uploads/${id}`))).json().variants.small.url).to.equal(newUrl);

      // Delete removes every version.
      expect((await request(v2.url(`/uploads/${id}`), { method: 'DELETE' })).status).to.equal(204);
      expect((await filesUnder(uploadDir)).filter((f) => f.startsWith(`${id}/`))).to.deep.equal([]);
      expect((await request(v2.url(oldUrl))).status).to.equal(404);
    } finally {
      await v2.close();
    }
  });
});
