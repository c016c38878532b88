/** A request's own AbortSignal: aborts when the client's connection closes before the response is out. */
import type { FastifyReply } from 'fastify';
import { errors } from '../../runtime/errors.ts';

export function clientGoneSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const res = reply.raw;
  // 'close' comes after 'finish' for a response that went out whole; before it, the peer left.
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(errors.IMGFLOW_ERR_CLIENT_CLOSED());
  });
  return controller.signal;
}
