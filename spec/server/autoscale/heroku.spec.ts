import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHerokuActuator, HerokuApiError } from '../../../server/autoscale/actuators/heroku.ts';
import { parseAutoscaleConfig } from '../../../server/autoscale/config.ts';

interface Recorded { method: string; path: string; headers: http.IncomingHttpHeaders; body: string }

/** Records every request and answers like Heroku's formation endpoint (or with `fail` when set). */
async function recordingServer() {
  const requests: Recorded[] = [];
  const quantities = new Map<string, number>([['deepdream', 1]]);
  let fail: { status: number; body: unknown } | undefined;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ method: req.method!, path: req.url!, headers: req.headers, body });
      if (fail) return void res.writeHead(fail.status, { 'content-type': 'application/json' }).end(JSON.stringify(fail.body));
      const type = decodeURIComponent(req.url!.split('/').pop()!);
      if (req.method === 'PATCH') quantities.set(type, (JSON.parse(body) as { quantity: number }).quantity);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ type, quantity: quantities.get(type) ?? 0, size: 'standard-1X', command: 'imgflow worker' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    requests,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failWith(f: typeof fail) { fail = f; },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('autoscale Heroku actuator (formation API)', () => {
  let api: Awaited<ReturnType<typeof recordingServer>>;
  beforeEach(async () => { api = await recordingServer(); });
  afterEach(async () => api.close());

  const role = parseAutoscaleConfig("'*': {actuator: heroku, app: my-imgflow}\ndeepdream: {w: dreamer}").roles[0];

  it('PATCHes /apps/{app}/formation/{type} with the quantity, API version 3 and the Bearer token', async () => {
    const heroku = createHerokuActuator({ app: 'my-imgflow', token: 'tok-123', baseUrl: `${api.base}/` });
    await heroku.scale(role, 3);
    expect(api.requests).to.have.length(1);
    const [r] = api.requests;
    expect(r.method).to.equal('PATCH');
    expect(r.path).to.equal('/apps/my-imgflow/formation/dreamer');
    expect(r.headers.accept).to.equal('application/vnd.heroku+json; version=3');
    expect(r.headers.authorization).to.equal('Bearer tok-123');
    expect(r.headers['content-type']).to.equal('application/json');
    expect(JSON.parse(r.body)).to.deep.equal({ quantity: 3 });
    expect(heroku.describe().formation).to.deep.equal({ dreamer: 3 });
  });

  it('reads the current quantity with GET on the same resource', async () => {
    const heroku = createHerokuActuator({ app: 'my-imgflow', token: 'tok-123', baseUrl: api.base });
    await heroku.scale(role, 2);
    expect(await heroku.current(role)).to.equal(2);
    const get = api.requests[1];
    expect([get.method, get.path, get.headers.accept, get.headers.authorization, get.body]).to.deep.equal(['GET', '/apps/my-imgflow/formation/dreamer', 'application/vnd.heroku+json; version=3', 'Bearer tok-123', '']);
  });

  it('turns an API error into an error with Heroku\'s id and message, shown in its health', async () => {
    const heroku = createHerokuActuator({ app: 'my-imgflow', token: 'wrong', baseUrl: api.base });
    api.failWith({ status: 401, body: { id: 'unauthorized', message: 'Invalid credentials provided.' } });
    const err = await heroku.scale(role, 1).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(HerokuApiError);
    expect((err as HerokuApiError).status).to.equal(401);
    expect((err as HerokuApiError).id).to.equal('unauthorized');
    expect(heroku.describe().lastError).to.equal('PATCH formation/dreamer: 401 unauthorized: Invalid credentials provided.');
  });

  it('turns no answer at all into a HerokuApiError with the cause\'s code, shown in its health', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    const heroku = createHerokuActuator({ app: 'my-imgflow', token: 'tok-123', baseUrl: `http://127.0.0.1:${port}` });
    const err = await heroku.current(role).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(HerokuApiError);
    expect((err as HerokuApiError).status).to.equal(undefined);
    expect((err as HerokuApiError).message).to.equal('Heroku API GET formation/dreamer: no answer (ECONNREFUSED: fetch failed)');
    expect(heroku.describe().lastError).to.equal('GET formation/dreamer: no answer (ECONNREFUSED: fetch failed)');
  });
});
