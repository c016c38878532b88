/** The behaviour both job engines must show over HTTP; each engine's spec supplies the server. */
import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import sharp from 'sharp';
import { buildSignedUrl } from '../../../rig/sign.ts';
import { APP_KEY, APP_SECRET, readEvents, until, type JobOrigin } from './_fixtures.ts';

export interface JobHarness {
  /** Web server base URL. */
  base: string;
  origin: JobOrigin;
}

let unique = 0;
/** An input URL no other test uses (so results and jobs are not shared between tests). */
export function inputFor(origin: JobOrigin, path = '/img.png', extra = ''): string {
  return origin.url(`${path}?t=${process.pid}-${Date.now()}-${++unique}${extra}`);
}

export function jobBehaviour(h: () => JobHarness) {
  const graphUrl = (input: string, graph = 'jobby', ext = 'png', more = '') => `${h().base}/graph/${graph}.${ext}?input=${encodeURIComponent(input)}${more}`;
  const fetchesOf = (input: string) => h().origin.fetches(input.slice(input.indexOf('/', 8)));

  it('GET /graphs shows each graph\'s class of work', async () => {
    const { graphs } = await (await fetch(`${h().base}/graphs`)).json() as { graphs: Record<string, { work: Record<string, unknown> }> };
    expect(graphs.jobby.work).to.include({ class: 'job', queue: 'testq', reason: 'property' });
    expect(graphs.inl.work).to.include({ class: 'inline' });
  });

  it('a job-class request waits for its job and answers like a computed miss; the next one is a hit', async () => {
    const input = inputFor(h().origin);
    const res = await fetch(graphUrl(input));
    expect(res.status).to.equal(200);
    expect(res.headers.get('x-cache')).to.equal('miss');
    expect(res.headers.get('content-type')).to.equal('image/png');
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).to.deep.equal([64, 64]);
    const again = await fetch(graphUrl(input));
    expect(again.status).to.equal(200);
    expect(again.headers.get('x-cache')).to.equal('hit');
    expect(fetchesOf(input)).to.equal(1);
  });

  it('a POSTed input travels with its job and comes back processed', async () => {
    // A body no other test sends: its own result, its own job.
    const body = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 64, g: 128, b: (++unique * 7 + process.pid) % 256 } } }).png().toBuffer();
    const res = await fetch(`${h().base}/graph/jobby.png`, { method: 'POST', body });
    expect(res.status).to.equal(200);
    expect(res.headers.get('x-cache')).to.equal('miss');
    const out = await sharp(Buffer.from(await res.arrayBuffer())).raw().toBuffer({ resolveWithObject: true });
    expect([out.info.width, out.info.height]).to.deep.equal([40, 30]);
    // gamma 1.2, 1.3, 1.4 in turn darken the mid-tones: the job really ran the graph.
    expect(out.data[0]).to.be.lessThan(0x40);
  });

  it('20 concurrent identical requests: one job, one evaluation, 20 identical images', async () => {
    const input = inputFor(h().origin, '/img.png', '&ms=300');
    const responses = await Promise.all(Array.from({ length: 20 }, () => fetch(graphUrl(input))));
    expect(responses.map((r) => r.status)).to.deep.equal(Array(20).fill(200));
    const bodies = await Promise.all(responses.map(async (r) => Buffer.from(await r.arrayBuffer()).toString('base64')));
    expect(new Set(bodies).size).to.equal(1);
    expect(fetchesOf(input)).to.equal(1);
  });

  it('Prefer: respond-async -> 202 with Location and Retry-After; polling /jobs/<id> reaches succeeded; the image URL then serves it', async () => {
    const input = inputFor(h().origin, '/img.png', '&ms=200');
    const url = graphUrl(input);
    const res = await fetch(url, { headers: { prefer: 'respond-async' } });
    expect(res.status).to.equal(202);
    expect(res.headers.get('preference-applied')).to.equal('respond-async');
    const location = res.headers.get('location')!;
    expect(location).to.match(/^\/jobs\/testq\.[A-Za-z0-9_-]{32}$/);
    expect(Number(res.headers.get('retry-after'))).to.be.within(1, 60);
    const body = await res.json() as { state: string; id: string };
    expect(body.state).to.be.oneOf(['queued', 'processing']);
    const done = await until('the job to succeed', async () => {
      const s = await (await fetch(`${h().base}${location}`)).json() as { state: string; progress: number; result: string };
      return s.state === 'succeeded' ? s : undefined;
    });
    expect(done.progress).to.equal(1);
    expect(done.result).to.equal(url.slice(h().base.length));
    const image = await fetch(`${h().base}${done.result}`);
    expect(image.status).to.equal(200);
    expect(image.headers.get('x-cache')).to.equal('hit');
  });

  it('Prefer: wait=0 answers 202 at once; a queued job is not started twice by the repeat', async () => {
    const input = inputFor(h().origin, '/img.png', '&ms=300');
    const first = await fetch(graphUrl(input), { headers: { prefer: 'wait=0' } });
    expect(first.status).to.equal(202);
    expect(first.headers.get('preference-applied')).to.equal('wait=0');
    const second = await fetch(graphUrl(input), { headers: { prefer: 'wait=0' } });
    expect(second.headers.get('location')).to.equal(first.headers.get('location'));
    const final = await fetch(graphUrl(input));
    expect(final.status).to.equal(200);
    expect(fetchesOf(input)).to.equal(1);
  });

  it('progress events arrive in order over SSE, ending with succeeded', async () => {
    const input = inputFor(h().origin, '/img.png', '&ms=400');
    const res = await fetch(graphUrl(input), { headers: { prefer: 'respond-async' } });
    const events = await readEvents(`${h().base}${res.headers.get('location')}/events`);
    const states = events.map((e) => e.event);
    expect(states[states.length - 1]).to.equal('succeeded');
    const order = ['queued', 'processing', 'succeeded'];
    for (let i = 1; i < states.length; i++) expect(order.indexOf(states[i])).to.be.at.least(order.indexOf(states[i - 1]));
    const progress = events.map((e) => e.data.progress as number);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).to.be.at.least(progress[i - 1]);
    // The three stages report 1/3 and 2/3 on the way.
    expect(events.some((e) => e.event === 'processing' && (e.data.progress as number) > 0 && (e.data.progress as number) < 1)).to.equal(true);
    expect(events.find((e) => e.data.stage)?.data.stage).to.have.property('stages', 3);
  });

  it('queued jobs report their position; once durations are measured, an estimate of the time left', async () => {
    // More slow jobs than the engine's slots (embedded: 2; workers: 2 x 2): some must wait.
    const inputs = Array.from({ length: 6 }, () => inputFor(h().origin, '/img.png', '&ms=700'));
    const locations = await Promise.all(inputs.map(async (input) => {
      const res = await fetch(graphUrl(input), { headers: { prefer: 'respond-async' } });
      return res.headers.get('location')!;
    }));
    const statuses = await Promise.all(locations.map(async (l) => (await fetch(`${h().base}${l}`)).json() as Promise<{ state: string; position?: number; etaSeconds?: number }>));
    const queued = statuses.filter((s) => s.state === 'queued');
    expect(queued.length).to.be.at.least(1);
    const positions = queued.map((s) => s.position);
    expect(positions.every((p) => typeof p === "number" && p >= 0)).to.equal(true);
    expect(new Set(positions).size).to.equal(positions.length);
    // Earlier tests finished jobs on this queue, so there is a measured duration to go by.
    expect(statuses.every((s) => typeof s.etaSeconds === 'number' && s.etaSeconds >= 0)).to.equal(true);
    await Promise.all(inputs.map((input) => fetch(graphUrl(input))));
  });

  it('bad input fails the job at once with its code (no retries); the request gets that code', async () => {
    const input = inputFor(h().origin, '/missing.png');
    const res = await fetch(graphUrl(input));
    expect(res.status, await res.clone().text()).to.equal(502);
    expect((await res.json() as { code: string }).code).to.equal('IMGFLOW_ERR_UPSTREAM_STATUS');
    expect(fetchesOf(input)).to.equal(1);
    // The failed job is not served from memory: the next request for the URL tries again.
    const again = await fetch(graphUrl(input));
    expect(again.status, await again.clone().text()).to.equal(502);
    expect(fetchesOf(input)).to.equal(2);
  });

  it('a transient fault (input 503) is retried with backoff and the job succeeds', async () => {
    const input = inputFor(h().origin, '/flaky.png');
    const res = await fetch(graphUrl(input));
    expect(res.status).to.equal(200);
    expect(fetchesOf(input)).to.equal(2);
  });

  it('unknown or malformed job ids are 404 with a code; a bad callback is 400', async () => {
    for (const id of ['testq.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'nope', '..%2F..%2Fetc']) {
      const res = await fetch(`${h().base}/jobs/${id}`);
      expect(res.status).to.equal(404);
      expect((await res.json() as { code: string }).code).to.equal('IMGFLOW_ERR_JOB_NOT_FOUND');
    }
    const bad = await fetch(graphUrl(inputFor(h().origin), 'jobby', 'png', `&callback=${encodeURIComponent('ftp://x/y')}`));
    expect(bad.status).to.equal(400);
    expect((await bad.json() as { code: string }).code).to.equal('IMGFLOW_ERR_CALLBACK_INVALID');
  });

  it('callback: a signed JSON notice is POSTed on completion, and retried after a failure', async () => {
    const { origin, base } = h();
    const callback = origin.url(`/cb-flaky?n=${++unique}`);
    const input = inputFor(origin, '/img.png', '&ms=300');
    const url = await buildSignedUrl({ server: base, key: APP_KEY, secret: APP_SECRET, graph: 'jobby', ext: 'png', params: { input, callback } });
    const res = await fetch(url, { headers: { prefer: 'respond-async' } });
    expect(res.status).to.equal(202);
    // A second request for the same result, with its own callback, joins the job: both are told.
    const other = origin.url(`/cb?n=${++unique}`);
    const url2 = await buildSignedUrl({ server: base, key: APP_KEY, secret: APP_SECRET, graph: 'jobby', ext: 'png', params: { input, callback: other } });
    const res2 = await fetch(url2, { headers: { prefer: 'respond-async' } });
    expect(res2.headers.get('location')).to.equal(res.headers.get('location'));
    const otherPath = other.slice(other.indexOf('/', 8));
    await until('the second callback', async () => origin.callbacks.find((c) => c.path === otherPath));
    const path = callback.slice(callback.indexOf('/', 8));
    const notices = await until('two callback attempts', async () => {
      const got = origin.callbacks.filter((c) => c.path === path);
      return got.length >= 2 ? got : undefined;
    });
    expect(notices).to.have.length(2);
    const last = notices[1];
    const notice = JSON.parse(last.body) as { event: string; job: { id: string; state: string; result: string } };
    expect(notice.event).to.equal('job.succeeded');
    expect(`/jobs/${notice.job.id}`).to.equal(res.headers.get('location'));
    const [t, v1] = String(last.headers['x-imgflow-signature']).split(',').map((p) => p.split('=')[1]);
    expect(v1).to.equal(createHmac('sha256', APP_SECRET).update(`${t}.${last.body}`).digest('hex'));
    const image = await fetch(`${base}${notice.job.result}`);
    expect(image.status).to.equal(200);
  });

  it('inline graphs are served while jobs are running', async () => {
    const slow = inputFor(h().origin, '/img.png', '&ms=1500');
    const job = fetch(graphUrl(slow), { headers: { prefer: 'wait=5' } });
    await sleepFor(100);
    const t0 = Date.now();
    const inline = await fetch(graphUrl(inputFor(h().origin), 'inl'));
    expect(inline.status).to.equal(200);
    expect(inline.headers.get('x-cache')).to.equal('miss');
    // A hang detector: the inline request must not wait for the job.
    expect(Date.now() - t0).to.be.lessThan(1400);
    expect((await job).status).to.equal(200);
  });
}

const sleepFor = (ms: number) => new Promise((r) => setTimeout(r, ms));
