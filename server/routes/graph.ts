/** GET|POST /graph/<graph>[.<ext>]: process an image through a graph. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Runtime } from '../../runtime/index.ts';
import type { RawParams } from '../../runtime/params.ts';
import type { Config } from '../config.ts';
import { mimeTypes, splitGraphFile } from '../formats.ts';
import { parseImageRequest, processImage, type ImageRequest } from '../process-request.ts';

export interface GraphRouteOptions {
  runtime: Runtime;
  config: Config;
}

function serverTiming(t: { fetchMs: number; processMs: number }): string {
  return `fetch;dur=${t.fetchMs.toFixed(1)}, process;dur=${t.processMs.toFixed(1)}`;
}

export async function graphRoutes(app: FastifyInstance, opts: GraphRouteOptions): Promise<void> {
  const { runtime, config } = opts;

  // Any body is the image: its format is sniffed from the bytes, never from Content-Type.
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: config.maxInputBytes }, (_req, body, done) => done(null, body));

  const handler = async (request: FastifyRequest<{ Params: { file: string } }>, reply: FastifyReply) => {
    const { graph, ext } = splitGraphFile(request.params.file);
    const abort = new AbortController();
    request.raw.once('close', () => { if (!reply.sent) abort.abort(new Error('client closed the connection')); });
    const req: ImageRequest = {
      graph,
      ext,
      query: request.query as RawParams,
      body: Buffer.isBuffer(request.body) ? request.body : undefined,
      accept: request.headers.accept,
      signal: abort.signal,
    };
    const parsed = parseImageRequest(runtime, config, req);
    request.log = request.log.child({ graph });
    const result = await processImage(runtime, config, parsed, req);
    reply.header('content-type', mimeTypes[result.format]);
    reply.header('cache-control', `public, max-age=${config.cacheMaxAgeSeconds}`);
    reply.header('server-timing', serverTiming(result.timings));
    if (parsed.negotiated) reply.header('vary', 'Accept');
    reply.header('x-imgflow-graph-revision', parsed.prepared.entry.revision);
    return reply.send(result.bytes);
  };

  app.get('/graph/:file', handler);
  app.post('/graph/:file', { bodyLimit: config.maxInputBytes }, handler);
}
