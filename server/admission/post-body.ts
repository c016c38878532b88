/**
 * A POSTed image is admitted before its body is read: refused with 429 when the evaluation
 * queue is already full, and counted against the server's input bytes in flight (declared
 * Content-Length up front, or chunk by chunk) until the response is out. Fastify reads and
 * buffers the body before the handler runs, so this is the last moment to refuse cheaply.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Transform } from 'node:stream';
import { errors } from '../../runtime/errors.ts';
import type { Limiter } from '../../runtime/limiter.ts';
import type { InputBudget } from '../input/input-budget.ts';

export interface PostBodyAdmission {
  limiter: Limiter;
  budget: InputBudget;
  /** The route's bodyLimit: a larger declared body is left for fastify to refuse (413). */
  maxBytes: number;
}

export function admitPostBody(opts: PostBodyAdmission) {
  return async (request: FastifyRequest, reply: FastifyReply, payload: NodeJS.ReadableStream & { receivedEncodedLength?: number }) => {
    if (opts.limiter.full) throw errors.IMGFLOW_ERR_OVERLOADED({ queued: opts.limiter.queued }, undefined, opts.limiter.queued);
    const hold = opts.budget.hold();
    reply.raw.once('close', () => hold.release());
    const declared = Number(request.headers['content-length']);
    if (Number.isSafeInteger(declared) && declared >= 0) {
      if (declared <= opts.maxBytes) hold.take(declared);
      return payload;
    }
    // Chunked: take each chunk as it arrives; running out of budget ends the upload.
    let received = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _enc, done) {
        received += chunk.length;
        counted.receivedEncodedLength = received;
        try {
          hold.take(chunk.length);
        } catch (err) {
          return done(err as Error);
        }
        done(null, chunk);
      },
    }) as Transform & { receivedEncodedLength?: number };
    counted.receivedEncodedLength = 0;
    payload.on('error', (err) => counted.destroy(err));
    return payload.pipe(counted);
  };
}
