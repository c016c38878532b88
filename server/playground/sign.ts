/**
 * POST /playground/sign: signs a playground request for one of the configured apps, for a
 * caller with an admin JWT (Authorization: Bearer). The page never holds an app secret: in
 * signed mode it asks its user for an admin token and sends it here with each request.
 */
import type { FastifyInstance } from 'fastify';
import { buildSignedUrl } from '../../rig/sign.ts';
import { errors } from '../../runtime/errors.ts';
import { createTokenVerifier } from '../admin/tokens.ts';
import type { AppRegistry } from '../auth/apps.ts';
import type { Config } from '../config.ts';

interface SignBody {
  key?: unknown;
  graph?: unknown;
  ext?: unknown;
  params?: unknown;
}

export async function signRoute(app: FastifyInstance, opts: { config: Config; apps: AppRegistry }): Promise<void> {
  const verifier = createTokenVerifier(opts.config);
  app.post('/playground/sign', {
    schema: {
      tags: ['playground'],
      summary: 'Sign a playground request (admin token only)',
      description: 'Body: {"graph", "ext", "params": {name: value}, "key"?}. Answers {"url", "key"}: a root-relative signed URL for the app `key` (default: the first enabled app).',
      security: [{ bearer: [] }],
    },
  }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const m = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!m) {
      reply.header('www-authenticate', 'Bearer');
      throw errors.IMGFLOW_ERR_ADMIN_UNAUTHORIZED({}, undefined, 'send Authorization: Bearer <admin JWT>');
    }
    if (!verifier.verify(m[1]).admin) throw errors.IMGFLOW_ERR_ADMIN_FORBIDDEN({}, undefined, 'signing for the playground needs an admin token');
    const body = (request.body ?? {}) as SignBody;
    if (typeof body.graph !== 'string' || (body.ext !== undefined && typeof body.ext !== 'string')) {
      throw errors.IMGFLOW_ERR_BAD_REQUEST({}, undefined, 'send {"graph": "<name>", "ext": "<ext>", "params": {...}}');
    }
    const params = new Map<string, string>();
    if (body.params !== undefined) {
      if (typeof body.params !== 'object' || body.params === null || Array.isArray(body.params)) throw errors.IMGFLOW_ERR_BAD_REQUEST({}, undefined, 'params must be an object of strings');
      for (const [k, v] of Object.entries(body.params)) {
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw errors.IMGFLOW_ERR_BAD_REQUEST({ parameter: k }, undefined, `params.${k} must be a string, number or boolean`);
        params.set(k, String(v));
      }
    }
    const candidates = opts.apps.list().filter((a) => a.enabled && a.secrets.length > 0);
    const chosen = typeof body.key === 'string' ? candidates.find((a) => a.key === body.key) : candidates[0];
    if (!chosen) {
      throw typeof body.key === 'string'
        ? errors.IMGFLOW_ERR_APP_NOT_FOUND({ key: body.key }, undefined, body.key)
        : errors.IMGFLOW_ERR_BAD_REQUEST({}, undefined, 'no enabled application to sign for');
    }
    let url: string;
    try {
      url = await buildSignedUrl({ server: '', key: chosen.key, secret: chosen.secrets[0], graph: body.graph, ext: body.ext, params: [...params] });
    } catch (err) {
      // rig refuses graph names and extensions that would not parse back (TypeError): the caller's input.
      throw errors.IMGFLOW_ERR_BAD_REQUEST({}, err, (err as Error).message);
    }
    return { url, key: chosen.key };
  });
}
