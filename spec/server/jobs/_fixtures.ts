/**
 * What the job specs share: an origin serving inputs (slow, flaky, missing) and receiving
 * callbacks, the test graphs, and one behavioural suite every engine must pass.
 */
import http from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOrigin, type Origin } from '../../input/_origin.ts';
import { testPng } from '../../_helpers/images.ts';

export const APP_KEY = 'jobapp';
export const APP_SECRET = 'job-app-secret-0123456789';

/** Three pixel stages (three progress reports), forced to be a job by its properties. */
export const JOB_GRAPH = {
  properties: { description: 'gamma three times, as a job', imgflow: { class: 'job', queue: 'testq' } },
  inports: { input: { process: 'a', port: 'input' } },
  outports: { output: { process: 'c', port: 'output' } },
  processes: { a: { component: 'imgflow/gamma' }, b: { component: 'imgflow/gamma' }, c: { component: 'imgflow/gamma' } },
  connections: [
    { data: 1.2, tgt: { process: 'a', port: 'value' } },
    { data: 1.3, tgt: { process: 'b', port: 'value' } },
    { data: 1.4, tgt: { process: 'c', port: 'value' } },
    { src: { process: 'a', port: 'output' }, tgt: { process: 'b', port: 'input' } },
    { src: { process: 'b', port: 'output' }, tgt: { process: 'c', port: 'input' } },
  ],
};

export const INLINE_GRAPH = {
  properties: { description: 'a blur, inline' },
  inports: { input: { process: 'blur', port: 'input' } },
  outports: { output: { process: 'blur', port: 'output' } },
  processes: { blur: { component: 'imgflow/gaussian-blur' } },
  connections: [{ data: 2, tgt: { process: 'blur', port: 'std-dev-x' } }, { data: 2, tgt: { process: 'blur', port: 'std-dev-y' } }],
};

export async function graphsDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'imgflow-jobs-graphs-'));
  await writeFile(join(dir, 'jobby.json'), JSON.stringify(JOB_GRAPH));
  await writeFile(join(dir, 'inl.json'), JSON.stringify(INLINE_GRAPH));
  return dir;
}

export interface Received { path: string; headers: http.IncomingHttpHeaders; body: string }

export interface JobOrigin extends Origin {
  /** Requests for an input path+query (each evaluation fetches its input once). */
  fetches(pathAndQuery: string): number;
  callbacks: Received[];
}

export async function startJobOrigin(): Promise<JobOrigin> {
  const png = await testPng(64, 64);
  const seen = new Map<string, number>();
  const callbacks: Received[] = [];
  const origin = await startOrigin((req, res) => {
    const url = req.url ?? '';
    const path = url.split('?')[0];
    const q = new URL(url, 'http://x').searchParams;
    const n = (seen.get(url) ?? 0) + 1;
    seen.set(url, n);
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        callbacks.push({ path: url, headers: req.headers, body });
        // /cb-flaky refuses the first notice: the sender must try again.
        res.writeHead(path === '/cb-flaky' && n === 1 ? 500 : 204);
        res.end();
      });
      return;
    }
    const send = () => {
      if (path === '/missing.png') { res.writeHead(404); res.end(); return; }
      if (path === '/flaky.png' && n === 1) { res.writeHead(503); res.end(); return; }
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(png);
    };
    const ms = Number(q.get('ms') ?? 0);
    if (ms > 0) setTimeout(send, ms);
    else send();
  });
  return Object.assign(origin, { fetches: (p: string) => seen.get(p) ?? 0, callbacks });
}

/** Reads a Server-Sent Events stream to its end: each event's name and parsed data. */
export async function readEvents(url: string): Promise<{ event: string; data: Record<string, unknown> }[]> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`events: HTTP ${res.status}`);
  const text = await res.text();
  return text.split('\n\n').filter((b) => b.includes('data: ')).map((block) => {
    const lines = block.split('\n');
    return {
      event: lines.find((l) => l.startsWith('event: '))!.slice(7),
      data: JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6)) as Record<string, unknown>,
    };
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns something, or fails after `ms` (a hang detector, not a speed test). */
export async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
