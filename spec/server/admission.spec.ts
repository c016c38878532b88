/**
 * Admission before download, bounded inputs, and cancellation on disconnect: a real server on
 * 127.0.0.1 fetching from a real origin that counts requests and sees sockets close.
 */
import { expect } from 'chai';
import type { FastifyInstance } from 'fastify';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRuntime, type Runtime } from '../../runtime/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import { inputBudgetFor } from '../../server/input/input-budget.ts';
import { runtimeLimitsFrom } from '../../server/runtime-options.ts';
import { testPng } from '../_helpers/images.ts';
import { startOrigin, type Origin } from '../input/_origin.ts';

interface Server { app: FastifyInstance; runtime: Runtime; config: Config; base: string }

async function startServer(overrides: Partial<Config>): Promise<Server> {
  const config = loadConfig({ graphsDir: 'graphs', logLevel: 'silent', cacheStore: 'none', allowPrivateSources: true, ...overrides }, {});
  const runtime = await createRuntime({ graphsDir: config.graphsDir, watch: false, ...runtimeLimitsFrom(config) });
  const app = await buildApp(config, { runtime });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, runtime, config, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

async function stopServer(s: Server) {
  await s.app.close();
  await s.runtime.close();
}

/** Polls `ok` until true; fails after `ms` (only a hang detector). */
async function until(ok: () => boolean, what: string, ms = 5000) {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Holds every evaluation at a gate, as a long stage would, and records the signal each was given. */
function holdEvaluations(server: Server) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => { open = resolve; });
  const signals: AbortSignal[] = [];
  const evaluate = server.runtime.evaluateAdmitted.bind(server.runtime);
  server.runtime.evaluateAdmitted = async (prepared, options) => {
    signals.push(options.signal!);
    await gate;
    return evaluate(prepared, options);
  };
  return { signals, proceed: () => open() };
}

/** A GET the test can abort by destroying its socket. */
function rawGet(url: string) {
  const req = http.get(url);
  const done = new Promise<number | undefined>((resolve) => {
    req.on('response', (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('error', () => resolve(undefined));
  });
  return { abort: () => req.destroy(), done };
}

describe('admission before download', function () {
  this.timeout(20000);
  let png: Buffer;
  let origin: Origin;
  /** Responses held back until the test releases them. */
  let held: { path: string; res: http.ServerResponse }[] = [];
  let holding = true;
  /** Paths whose upstream socket closed before the whole body was sent. */
  const closedEarly = new Set<string>();

  const serve = (res: http.ServerResponse) => {
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
    res.end(png);
  };
  const release = () => {
    holding = false;
    for (const h of held) serve(h.res);
    held = [];
  };

  before(async () => {
    png = await testPng(256, 256);
    origin = await startOrigin((req, res) => {
      const path = req.url ?? '';
      res.on('close', () => { if (!res.writableFinished) closedEarly.add(path); });
      if (path.startsWith('/stall/')) {
        // Half the body, then nothing: a download in progress until the client gives up.
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
        res.write(png.subarray(0, png.length >> 1));
        held.push({ path, res });
        return;
      }
      if (holding) held.push({ path, res });
      else serve(res);
    });
  });

  beforeEach(() => {
    held = [];
    holding = true;
    origin.hits.clear();
    closedEarly.clear();
  });

  after(() => origin.close());

  for (const A of [0, 2]) it(`with concurrency C, ${A} ahead and queue Q, 30 requests for distinct inputs: C+${A} download at once, C+${A}+Q are answered; the refused never reach the origin`, async () => {
    const C = 2, Q = 3;
    const server = await startServer({ concurrency: C, maxQueue: Q, fetchAhead: A });
    try {
      const urls = Array.from({ length: 30 }, (_, i) => `${server.base}/graph/passthrough.png?input=${encodeURIComponent(origin.url(`/img/${i}`))}`);
      let answered = 0;
      const answers = urls.map((u) => fetch(u).then(async (r) => ({ status: r.status, body: await r.arrayBuffer(), url: u })).finally(() => answered++));
      // The refused are answered while the admitted are still downloading (the origin holds them).
      await until(() => answered === 30 - C - A - Q, 'every refusal');
      await sleep(50);
      expect([server.runtime.limiter.queued, server.runtime.limiter.loading]).to.deep.equal([Q, C + A]);
      expect(origin.hits.size, 'downloads started while C + A load and Q wait').to.equal(C + A);
      release();
      const done = await Promise.all(answers);
      const ok = done.filter((a) => a.status === 200);
      const refused = done.filter((a) => a.status === 429);
      expect([ok.length, refused.length]).to.deep.equal([C + A + Q, 30 - C - A - Q]);
      expect(origin.hits.size, 'distinct inputs fetched').to.equal(C + A + Q);
      expect([...origin.hits.values()].every((n) => n === 1)).to.equal(true);
      for (const r of refused) {
        const path = decodeURIComponent(r.url.split('input=')[1]).replace(/^http:\/\/[^/]+/, '');
        expect(origin.hits.has(path), `${path} was refused yet fetched`).to.equal(false);
      }
      expect(inputBudgetFor(server.config).bytesInFlight).to.equal(0);
    } finally {
      release();
      await stopServer(server);
    }
  });

  it('a client that disconnects mid-download makes the server close its upstream fetch', async () => {
    const server = await startServer({ concurrency: 2, maxQueue: 2, fetchTimeoutMs: 60000 });
    try {
      const path = '/stall/alone';
      const client = rawGet(`${server.base}/graph/passthrough.png?input=${encodeURIComponent(origin.url(path))}`);
      await until(() => origin.hits.get(path) === 1, 'the download to start');
      client.abort();
      await until(() => closedEarly.has(path), 'the origin to see its socket closed');
      await until(() => server.runtime.limiter.active === 0, 'the slot to be given back');
      expect(inputBudgetFor(server.config).bytesInFlight).to.equal(0);
    } finally {
      await stopServer(server);
    }
  });

  it('a client that disconnects while another waits for the same result cancels nothing', async () => {
    const server = await startServer({ concurrency: 2, maxQueue: 2 });
    try {
      const url = `${server.base}/graph/passthrough.png?input=${encodeURIComponent(origin.url('/img/shared'))}`;
      const leaving = rawGet(url);
      await until(() => origin.hits.get('/img/shared') === 1, 'the download to start');
      const staying = rawGet(url);
      await sleep(50); // the second request joins the flight
      leaving.abort();
      await sleep(100);
      expect(closedEarly.has('/img/shared'), 'upstream closed although a client still waits').to.equal(false);
      release();
      expect(await staying.done).to.equal(200);
      expect(origin.hits.get('/img/shared')).to.equal(1);
    } finally {
      release();
      await stopServer(server);
    }
  });

  it('the evaluation\'s signal aborts when its only client leaves, and not while another waits', async () => {
    const server = await startServer({ concurrency: 2, maxQueue: 2 });
    holding = false;
    const { signals, proceed } = holdEvaluations(server);
    try {
      const alone = rawGet(`${server.base}/graph/passthrough.png?input=${encodeURIComponent(origin.url('/img/eval-alone'))}`);
      await until(() => signals.length === 1, 'the first evaluation');
      alone.abort();
      await until(() => signals[0].aborted, 'its signal to abort');

      const url = `${server.base}/graph/passthrough.png?input=${encodeURIComponent(origin.url('/img/eval-shared'))}`;
      const leaving = rawGet(url);
      await until(() => signals.length === 2, 'the shared evaluation');
      const staying = rawGet(url);
      await sleep(50);
      leaving.abort();
      await sleep(100);
      expect(signals[1].aborted, 'aborted although a client still waits').to.equal(false);
      proceed();
      expect(await staying.done).to.equal(200);
    } finally {
      proceed();
      await stopServer(server);
    }
  });

  it('downloads the next input while the only slot evaluates, and evaluates it once the slot is free', async () => {
    const server = await startServer({ concurrency: 1, maxQueue: 0, fetchAhead: 1 });
    holding = false;
    const { signals: evaluating, proceed } = holdEvaluations(server);
    try {
      const first = rawGet(`${server.base}/graph/passthrough.png?input=${encodeURIComponent(origin.url('/img/first'))}`);
      await until(() => evaluating.length === 1, 'the first evaluation');
      const second = rawGet(`${server.base}/graph/passthrough.png?input=${encodeURIComponent(origin.url('/img/second'))}`);
      await until(() => origin.hits.get('/img/second') === 1, 'the second download, while the first evaluates');
      await sleep(50);
      expect(evaluating.length, 'the second waits for the slot').to.equal(1);
      expect([server.runtime.limiter.active, server.runtime.limiter.loading]).to.deep.equal([1, 1]);
      // Both places are taken: a third request is refused before it downloads.
      const third = await fetch(`${server.base}/graph/passthrough.png?input=${encodeURIComponent(origin.url('/img/third'))}`);
      expect([third.status, ((await third.json()) as { code: string }).code]).to.deep.equal([429, 'IMGFLOW_ERR_OVERLOADED']);
      expect(origin.hits.has('/img/third')).to.equal(false);
      proceed();
      expect(await first.done).to.equal(200);
      expect(await second.done).to.equal(200);
      expect(evaluating.length).to.equal(2);
      expect([server.runtime.limiter.active, server.runtime.limiter.loading, server.runtime.limiter.queued]).to.deep.equal([0, 0, 0]);
    } finally {
      proceed();
      await stopServer(server);
    }
  });

  it('a client that leaves while its loaded input waits for a slot gives up its place and its bytes', async () => {
    const server = await startServer({ concurrency: 1, maxQueue: 0, fetchAhead: 1 });
    holding = false;
    const { signals: started, proceed } = holdEvaluations(server);
    try {
      const first = rawGet(`${server.base}/graph/passthrough.png?input=${encodeURIComponent(origin.url('/img/slot-holder'))}`);
      await until(() => started.length === 1, 'the first evaluation');
      const leaving = rawGet(`${server.base}/graph/passthrough.png?input=${encodeURIComponent(origin.url('/img/slot-waiter'))}`);
      await until(() => origin.hits.get('/img/slot-waiter') === 1, 'the second download');
      await until(() => inputBudgetFor(server.config).bytesInFlight === 2 * png.length, 'both inputs held');
      leaving.abort();
      await until(() => server.runtime.limiter.loading === 0, 'the waiting place to be given up');
      expect(inputBudgetFor(server.config).bytesInFlight).to.equal(png.length);
      proceed();
      expect(await first.done).to.equal(200);
      expect(started.length, 'the departed request never evaluated').to.equal(1);
      expect(inputBudgetFor(server.config).bytesInFlight).to.equal(0);
    } finally {
      proceed();
      await stopServer(server);
    }
  });

  it('a queued client that disconnects gives up its place without downloading', async () => {
    const server = await startServer({ concurrency: 1, maxQueue: 1, fetchAhead: 0 });
    try {
      const running = rawGet(`${server.base}/graph/passthrough.png?input=${encodeURIComponent(origin.url('/img/running'))}`);
      await until(() => origin.hits.get('/img/running') === 1, 'the first download');
      const queued = rawGet(`${server.base}/graph/passthrough.png?input=${encodeURIComponent(origin.url('/img/queued'))}`);
      await until(() => server.runtime.limiter.queued === 1, 'the second request to queue');
      queued.abort();
      await until(() => server.runtime.limiter.queued === 0, 'the queue place to be given up');
      release();
      expect(await running.done).to.equal(200);
      expect(origin.hits.has('/img/queued')).to.equal(false);
    } finally {
      release();
      await stopServer(server);
    }
  });

  it('refuses a download past IMGFLOW_MAX_FETCH_BYTES_IN_FLIGHT with 429 and a code', async () => {
    const server = await startServer({ concurrency: 4, maxQueue: 4, maxInputBytes: png.length + 1024, maxUploadBytes: png.length + 1024, maxFetchBytesInFlight: Math.floor(png.length * 1.5) });
    try {
      // The first holds its input (stalled at half, Content-Length reserved); the second cannot fit.
      const first = rawGet(`${server.base}/graph/passthrough.png?input=${encodeURIComponent(origin.url('/stall/first'))}`);
      await until(() => inputBudgetFor(server.config).bytesInFlight === png.length, 'the first input to be reserved');
      const metrics = await (await fetch(`${server.base}/metrics`)).text();
      expect(metrics).to.contain(`imgflow_input_bytes_in_flight ${png.length}\n`);
      expect(metrics).to.contain('imgflow_input_downloads{state="active"} 1\n');
      holding = false;
      const second = await fetch(`${server.base}/graph/passthrough.png?input=${encodeURIComponent(origin.url('/img/second'))}`);
      expect(second.status).to.equal(429);
      expect((await second.json()).code).to.equal('IMGFLOW_ERR_INPUT_BYTES_BUSY');
      first.abort();
      await until(() => inputBudgetFor(server.config).bytesInFlight === 0, 'the budget to be given back');
      const again = await fetch(`${server.base}/graph/passthrough.png?input=${encodeURIComponent(origin.url('/img/third'))}`);
      expect(again.status).to.equal(200);
    } finally {
      await stopServer(server);
    }
  });

  it('counts POSTed bodies against the bytes in flight, declared or chunked', async () => {
    const server = await startServer({ concurrency: 4, maxQueue: 4, maxInputBytes: png.length + 1024, maxUploadBytes: png.length + 1024, maxFetchBytesInFlight: Math.floor(png.length * 1.5) });
    try {
      const first = rawGet(`${server.base}/graph/passthrough.png?input=${encodeURIComponent(origin.url('/stall/holder'))}`);
      await until(() => inputBudgetFor(server.config).bytesInFlight === png.length, 'the first input to be reserved');
      const declared = await postBody(`${server.base}/graph/passthrough.png`, png, false);
      const chunked = await postBody(`${server.base}/graph/passthrough.png`, png, true);
      expect([declared.status, declared.code]).to.deep.equal([429, 'IMGFLOW_ERR_INPUT_BYTES_BUSY']);
      expect([chunked.status, chunked.code]).to.deep.equal([429, 'IMGFLOW_ERR_INPUT_BYTES_BUSY']);
      first.abort();
      await until(() => inputBudgetFor(server.config).bytesInFlight === 0, 'the budget to be given back');
      expect((await postBody(`${server.base}/graph/passthrough.png`, png, true)).status).to.equal(200);
      await until(() => inputBudgetFor(server.config).bytesInFlight === 0, 'the POST to give its bytes back');
    } finally {
      await stopServer(server);
    }
  });

  it('refuses a POST with 429 before reading its body when the queue is full', async () => {
    const server = await startServer({ concurrency: 1, maxQueue: 0, fetchAhead: 0 });
    try {
      const running = rawGet(`${server.base}/graph/passthrough.png?input=${encodeURIComponent(origin.url('/img/busy'))}`);
      await until(() => origin.hits.get('/img/busy') === 1, 'the slot to be taken');
      const { status, code, bodyBytesRead } = await postUnsent(`${server.base}/graph/passthrough.png`, png.length);
      expect([status, code]).to.deep.equal([429, 'IMGFLOW_ERR_OVERLOADED']);
      expect(bodyBytesRead).to.equal(false);
      release();
      expect(await running.done).to.equal(200);
    } finally {
      release();
      await stopServer(server);
    }
  });
});

/** POSTs with a declared body but sends none: an answer proves the server did not wait to read it. */
function postUnsent(url: string, length: number): Promise<{ status?: number; code?: string; bodyBytesRead: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'image/png', 'content-length': length } });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => { resolve({ status: res.statusCode, code: JSON.parse(text).code, bodyBytesRead: false }); req.destroy(); });
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

/** POSTs `body` with a Content-Length, or chunked in 16 KiB pieces without one. */
function postBody(url: string, body: Buffer, chunked: boolean): Promise<{ status?: number; code?: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': 'image/png' };
    if (!chunked) headers['content-length'] = body.length;
    const req = http.request(url, { method: 'POST', headers });
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts);
        const code = res.statusCode === 200 ? undefined : JSON.parse(text.toString()).code;
        resolve({ status: res.statusCode, code });
      });
    });
    // The server may answer and close before the whole body is written.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    for (let at = 0; at < body.length; at += 16384) req.write(body.subarray(at, at + 16384));
    req.end();
  });
}

