/**
 * The playground's request runner (server/playground/static/request.js) against a real local
 * HTTP server that answers the way the job routes can: a repeat request that gets a second 202
 * is followed again, and whatever is not an image is an error, never shown as one.
 */
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
// @ts-expect-error plain browser ES module without types
import { runRequest } from '../../server/playground/static/request.js';

interface Answer { status: number; type: string; body: string }

/** Answers /graph requests from `answers` in turn (the last one repeats); /jobs/* says succeeded. */
async function fakeOrigin(answers: Answer[]): Promise<{ url: string; graphRequests: () => number; close: () => Promise<void> }> {
  let graphRequests = 0;
  const server: Server = createServer((req, res) => {
    if (req.url!.startsWith('/jobs/')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ state: 'succeeded', progress: 1 }));
      return;
    }
    const answer = answers[Math.min(graphRequests++, answers.length - 1)];
    const headers: Record<string, string> = { 'content-type': answer.type };
    if (answer.status === 202) headers.location = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jobs/q.1`;
    res.writeHead(answer.status, headers).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, graphRequests: () => graphRequests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const accepted: Answer = { status: 202, type: 'application/json', body: '{"id":"q.1","state":"queued"}' };
const image: Answer = { status: 200, type: 'image/png', body: 'PNG bytes' };

describe('playground request runner', () => {
  it('follows a second 202 on the repeat request, then returns the image', async () => {
    const origin = await fakeOrigin([accepted, accepted, image]);
    try {
      const progress: unknown[] = [];
      const result = await runRequest({ method: 'GET', url: `${origin.url}/graph/x.png` }, { onProgress: (s: unknown) => progress.push(s) });
      expect(result.type).to.equal('image/png');
      expect(await result.blob.text()).to.equal('PNG bytes');
      expect(origin.graphRequests()).to.equal(3);
      expect(progress).to.have.length(2);
    } finally { await origin.close(); }
  });

  it('gives up with a clear error when every repeat is another 202', async () => {
    const origin = await fakeOrigin([accepted]);
    try {
      const err = await runRequest({ method: 'GET', url: `${origin.url}/graph/x.png` }).then(() => undefined, (e: Error) => e);
      expect(err?.message).to.match(/result is not available yet/);
      expect(origin.graphRequests()).to.equal(4);
    } finally { await origin.close(); }
  });

  it('refuses a 200 that is not an image', async () => {
    const origin = await fakeOrigin([{ status: 200, type: 'application/json', body: '{}' }]);
    try {
      const err = await runRequest({ method: 'GET', url: `${origin.url}/graph/x.png` }).then(() => undefined, (e: Error) => e);
      expect(err?.message).to.match(/application\/json instead of an image/);
    } finally { await origin.close(); }
  });
});
