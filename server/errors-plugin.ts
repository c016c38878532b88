/** Every error leaves as JSON {statusCode, code, error, message, ...details}; never a stack. */
import type { FastifyError, FastifyInstance } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { errors, toImgflowError } from '../runtime/errors.ts';

const ENVELOPE = new Set(['statusCode', 'code', 'error', 'message']);

/** Details never replace the envelope: a client reads `code` as the IMGFLOW_ERR_* code, whatever a detail is called. */
function detailsOf(details: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!details) return {};
  return Object.fromEntries(Object.entries(details).filter(([k]) => !ENVELOPE.has(k)));
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const e = toImgflowError(err);
    // A 500 is a bug and is logged with its stack; everything else is an expected refusal.
    if (e.code === 'IMGFLOW_ERR_INTERNAL') request.log.error({ err }, 'request failed');
    else request.log.info({ code: e.code, status: e.statusCode, message: e.message }, 'request refused');
    const body = { statusCode: e.statusCode, code: e.code, error: STATUS_CODES[e.statusCode] ?? 'Error', message: e.message, ...detailsOf(e.details) };
    return reply.code(e.statusCode).header('cache-control', 'no-store').send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const e = errors.IMGFLOW_ERR_NOT_FOUND({ method: request.method, url: request.url }, undefined, `${request.method} ${request.url.split('?')[0]}`);
    return reply.code(404).send({ statusCode: 404, code: e.code, error: 'Not Found', message: e.message });
  });
}
