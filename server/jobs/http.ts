/**
 * HTTP for jobs: a request for a job-class graph (from the graph route, on a cache miss),
 * GET /jobs/<id> and GET /jobs/<id>/events (Server-Sent Events).
 *
 * A job request waits up to IMGFLOW_JOB_WAIT_SECONDS (less with `Prefer: wait=N`, not at all
 * with `Prefer: respond-async`) and then answers like a computed miss; otherwise 202 Accepted
 * with Location: /jobs/<id> and Retry-After. The same image URL serves the image once done.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors, ImgflowError } from '../../runtime/errors.ts';
import type { App } from '../auth/apps.ts';
import type { CachedEntry } from '../cache/index.ts';
import type { Config } from '../config.ts';
import type { ImageCache } from '../image-cache.ts';
import type { ImageRequest, ParsedRequest } from '../process-request.ts';
import { parseCallback } from './callback.ts';
import { JOB_ID, jobIdFor } from './job-id.ts';
import { parsePrefer } from './prefer.ts';
import { isFinished, type JobQueue, type JobSpec, type JobStatus } from './types.ts';

export interface JobRequest {
  request: FastifyRequest;
  reply: FastifyReply;
  queue: string;
  key: string;
  parsed: ParsedRequest;
  req: ImageRequest;
  app: App | undefined;
  /** Answers with a computed result, as the graph route answers a miss. */
  send(entry: CachedEntry): FastifyReply;
}

export interface JobHttp {
  serve(job: JobRequest): Promise<FastifyReply>;
}

export function createJobHttp(opts: { config: Config; jobs: JobQueue; imageCache: ImageCache }): JobHttp {
  const { config, jobs, imageCache } = opts;
  return {
    async serve({ request, reply, queue, key, parsed, req, app, send }) {
      const callback = parseCallback(req.query.callback);
      const prefer = parsePrefer(request.headers.prefer);
      const id = jobIdFor(queue, key, { app: app?.key, secret: app?.secrets[0] ?? config.jobSecret });
      const spec: JobSpec = {
        id,
        queue,
        key,
        graph: req.graph,
        revision: parsed.prepared.revision,
        query: req.query,
        params: parsed.prepared.params,
        ...(req.body ? { body: req.body.toString('base64') } : {}),
        format: parsed.format,
        ...(parsed.alphaFormat ? { alphaFormat: parsed.alphaFormat } : {}),
        url: request.url,
        ...(app ? { app: app.key } : {}),
        ...(callback ? { callbacks: [callback] } : {}),
        createdAt: Date.now(),
      };
      let status: JobStatus | undefined = await jobs.submit(spec);
      const waitSeconds = prefer.respondAsync ? 0 : Math.min(config.jobWaitSeconds, prefer.wait ?? Infinity);
      if (!isFinished(status) && waitSeconds > 0) {
        // A client that leaves stops waiting; the job goes on (its result is cached for the next request).
        const gone = new AbortController();
        const onClose = () => gone.abort();
        request.raw.once('close', onClose);
        try {
          status = await jobs.waitFor(id, waitSeconds * 1000, gone.signal);
        } finally {
          request.raw.off('close', onClose);
        }
      }
      if (status?.state === 'succeeded') {
        const hit = await imageCache.cache.lookup(key);
        if (!hit) throw errors.IMGFLOW_ERR_JOB_RESULT_MISSING({ job: id }, undefined, id);
        return send(hit.entry);
      }
      if (status?.state === 'failed' && status.error) {
        const { code, statusCode, message } = status.error;
        throw new ImgflowError(code, statusCode, message, { job: id });
      }
      const retryAfter = Math.min(60, Math.max(1, status?.etaSeconds ?? 5));
      reply.code(202)
        .header('location', `/jobs/${id}`)
        .header('retry-after', String(retryAfter))
        .header('cache-control', 'no-store')
        .header('x-cache', 'miss');
      if (prefer.respondAsync) reply.header('preference-applied', 'respond-async');
      else if (prefer.wait !== undefined) reply.header('preference-applied', `wait=${prefer.wait}`);
      return reply.send(status ?? await jobs.get(id));
    },
  };
}

async function statusOf(jobs: JobQueue, id: string): Promise<JobStatus> {
  const status = JOB_ID.test(id) ? await jobs.get(id) : undefined;
  if (!status) throw errors.IMGFLOW_ERR_JOB_NOT_FOUND({ job: id }, undefined, JSON.stringify(id.slice(0, 80)));
  return status;
}

const HEARTBEAT_MS = 15_000;

export async function jobRoutes(app: FastifyInstance, opts: { jobs: JobQueue }): Promise<void> {
  const { jobs } = opts;
  app.get('/jobs/:id', async (request, reply) => {
    const status = await statusOf(jobs, (request.params as { id: string }).id);
    return reply.header('cache-control', 'no-store').send(status);
  });

  app.get('/jobs/:id/events', async (request, reply) => {
    const { id } = request.params as { id: string };
    await statusOf(jobs, id);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    let n = 0;
    let ended = false;
    let unsubscribe = () => {};
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      unsubscribe();
      res.end();
    };
    res.on('close', end);
    unsubscribe = await jobs.watch(id, (status) => {
      if (ended) return;
      res.write(`id: ${++n}\nevent: ${status.state}\ndata: ${JSON.stringify(status)}\n\n`);
      if (isFinished(status)) end();
    });
    // Expired between the check and the subscription: nothing will come.
    if (ended || n === 0) {
      unsubscribe();
      end();
    }
  });
}
