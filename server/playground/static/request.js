// Builds the image request for the current choices (open mode: an unsigned URL; signed mode:
// a URL signed by the server for an admin token) and runs it, following a job's progress
// when the server answers 202 (graphs that run as jobs: GET /jobs/<id>, /jobs/<id>/events).

/** Query pairs in a stable order, so the same choices give the same URL (and cache entry). */
export function queryString(params) {
  const pairs = [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

/**
 * { method, url, body } for: graph, ext, params (Map), input ({kind: 'url', url} or
 * {kind: 'bytes', blob}), signing ({token, key} or undefined for open mode).
 */
export async function buildRequest({ graph, ext, params, input, signing, signal }) {
  const all = new Map(params);
  if (input.kind === 'url') all.set('input', input.url);
  const method = input.kind === 'url' ? 'GET' : 'POST';
  const body = input.kind === 'url' ? undefined : input.blob;
  if (!signing) {
    const q = queryString(all);
    return { method, url: `/graph/${encodeURIComponent(graph)}.${ext}${q ? `?${q}` : ''}`, body };
  }
  if (!signing.token) throw new Error('This server requires signed URLs: paste an admin token under "Signing".');
  const res = await fetch('/playground/sign', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${signing.token}` },
    body: JSON.stringify({ graph, ext, key: signing.key || undefined, params: Object.fromEntries(all) }),
    signal,
  });
  if (!res.ok) throw await errorOf(res);
  return { method, url: (await res.json()).url, body };
}

/** The server's JSON error as an Error whose message says what to fix. */
export async function errorOf(res) {
  let message = `HTTP ${res.status}`;
  try {
    const e = await res.json();
    message = `${e.message ?? message}${e.code ? ` (${e.code})` : ''}`;
  } catch { /* not JSON */ }
  const err = new Error(message);
  err.status = res.status;
  return err;
}

/** Follows a job until it is finished: Server-Sent Events, else polling. Resolves with its last status. */
function followJob(location, { signal, onProgress }) {
  return new Promise((resolve, reject) => {
    let done = false;
    let source;
    let timer;
    const finish = (fn, value) => {
      if (done) return;
      done = true;
      source?.close();
      clearTimeout(timer);
      fn(value);
    };
    const seen = (status) => {
      onProgress(status);
      if (status.state === 'succeeded' || status.state === 'failed') finish(resolve, status);
    };
    signal?.addEventListener('abort', () => finish(reject, new DOMException('aborted', 'AbortError')));
    const poll = async () => {
      try {
        const res = await fetch(location, { signal, headers: { accept: 'application/json' } });
        if (!res.ok) return finish(reject, await errorOf(res));
        seen(await res.json());
        if (!done) timer = setTimeout(poll, 1000);
      } catch (err) {
        finish(reject, err);
      }
    };
    if (typeof EventSource === 'function') {
      source = new EventSource(`${location}/events`);
      for (const state of ['queued', 'processing', 'succeeded', 'failed']) {
        source.addEventListener(state, (ev) => seen(JSON.parse(ev.data)));
      }
      // The stream ends after the last event; an error before that falls back to polling.
      source.onerror = () => { source.close(); if (!done) poll(); };
    } else {
      poll();
    }
  });
}

/**
 * Runs the request. Resolves with { blob, type, url }. `onProgress(status)` is called for jobs.
 * `Prefer: respond-async` makes a job-class graph answer 202 at once, so the page can show
 * progress; other graphs answer the image as usual.
 */
export async function runRequest(request, { signal, onProgress = () => {} } = {}) {
  const send = () => fetch(request.url, { method: request.method, body: request.body, headers: { prefer: 'respond-async' }, signal });
  let res = await send();
  // Once the job is done the same request answers from the result cache; a result not yet
  // readable there (another job for the same request, a store that lags) answers 202 again:
  // follow that one too rather than show the job's JSON as the image.
  for (let round = 0; res.status === 202; round++) {
    if (round === MAX_JOB_ROUNDS) throw new Error('The job finished but its result is not available yet: try again');
    const status = await followJob(res.headers.get('location'), { signal, onProgress });
    if (status.state === 'failed') throw new Error(status.error?.message ?? 'The job failed');
    res = await send();
  }
  if (!res.ok) throw await errorOf(res);
  const type = res.headers.get('content-type') ?? '';
  if (!type.startsWith('image/')) throw new Error(`The server answered ${type || 'no content type'} instead of an image`);
  const blob = await res.blob();
  return { blob, type, url: request.url, method: request.method };
}

const MAX_JOB_ROUNDS = 3;
