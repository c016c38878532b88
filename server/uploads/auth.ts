/**
 * Who may upload or delete: the graph routes' rules (server/auth), applied to upload requests.
 *   POST|DELETE /uploads/<key>/<signature>[/<id>]  signed by an app (rig/uploads.ts says what is
 *                                                   signed); keys unchecked in open mode, as /graph
 *   POST|DELETE /uploads[/<id>]                     unsigned: open mode (no app configured); POST
 *                                                   also with IMGFLOW_ALLOW_UNSIGNED=1
 *   Authorization: Bearer <JWT>                     an admin token (any upload), or an app's token
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { uploadCanonicalForm, type UploadMethod } from '../../rig/uploads.ts';
import { errors } from '../../runtime/errors.ts';
import { createTokenVerifier } from '../admin/tokens.ts';
import type { App, AppRegistry } from '../auth/apps.ts';
import type { Config } from '../config.ts';

export interface UploadAuth {
  /** The app acting; undefined for unsigned requests and admin tokens. */
  app: App | undefined;
  admin: boolean;
}

const EXPIRES = /^[0-9]{1,12}$/;

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createUploadAuth(opts: { apps: AppRegistry; config: Config }) {
  const { apps, config } = opts;
  const tokens = createTokenVerifier(config);

  function bearer(header: string): UploadAuth {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw errors.IMGFLOW_ERR_ADMIN_UNAUTHORIZED({}, undefined, 'send Authorization: Bearer <JWT>');
    const claims = tokens.verify(m[1]);
    if (claims.admin) return { app: undefined, admin: true };
    const app = apps.get(claims.app);
    if (!app || !app.enabled) throw errors.IMGFLOW_ERR_ADMIN_FORBIDDEN({ key: claims.app }, undefined, `app ${claims.app} is unknown or disabled`);
    return { app, admin: app.admin };
  }

  function signed(request: FastifyRequest, method: UploadMethod, id: string | undefined): UploadAuth {
    const { key, sig } = request.params as { key: string; sig: string };
    if (apps.open) return { app: undefined, admin: false };
    const app = apps.get(key);
    if (!app) throw errors.IMGFLOW_ERR_AUTH_KEY_UNKNOWN({ key }, undefined, key);
    const q = request.url.indexOf('?');
    const params = new URLSearchParams(q < 0 ? '' : request.url.slice(q + 1));
    let message: string;
    try {
      message = uploadCanonicalForm(method, id, params);
    } catch {
      throw errors.IMGFLOW_ERR_AUTH_SIGNATURE({ key }, undefined, key);
    }
    if (!app.secrets.some((s) => equal(createHmac('sha256', s).update(message).digest('base64url'), sig))) {
      throw errors.IMGFLOW_ERR_AUTH_SIGNATURE({ key }, undefined, key);
    }
    if (!app.enabled) throw errors.IMGFLOW_ERR_AUTH_APP_DISABLED({ key }, undefined, key);
    const expires = params.getAll('expires');
    if (expires.length > 1 || (expires.length === 1 && !EXPIRES.test(expires[0]))) {
      throw errors.IMGFLOW_ERR_AUTH_EXPIRES_INVALID({ parameter: 'expires' }, undefined, JSON.stringify(expires.length > 1 ? expires : expires[0]));
    }
    if (expires.length === 1 && Number(expires[0]) + config.expiresSkewSeconds < Date.now() / 1000) {
      throw errors.IMGFLOW_ERR_AUTH_EXPIRED({ expires: Number(expires[0]) }, undefined, new Date(Number(expires[0]) * 1000).toISOString());
    }
    return { app, admin: app.admin };
  }

  return {
    /** Throws the coded refusal; `id` for DELETE (it is part of what is signed). */
    check(request: FastifyRequest, method: UploadMethod, id?: string): UploadAuth {
      const header = request.headers.authorization;
      if (header !== undefined) return bearer(header);
      if ((request.params as { sig?: string }).sig !== undefined) return signed(request, method, id);
      if (apps.open || (method === 'POST' && config.allowUnsigned)) return { app: undefined, admin: false };
      throw errors.IMGFLOW_ERR_AUTH_UNSIGNED();
    },
  };
}
