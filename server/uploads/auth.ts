/**
 * Who may upload or delete: the graph routes' rules (server/auth), applied to upload requests.
 *   POST|DELETE /uploads/<key>/<signature>[/<id>]  signed by an app (rig/uploads.ts says what is
 *                                                   signed); keys unchecked in open mode, as /graph
 *   POST|DELETE /uploads[/<id>]                     unsigned: open mode (no app configured); POST
 *                                                   also with IMGFLOW_ALLOW_UNSIGNED=1
 *   Authorization: Bearer <JWT>                     an admin token (any upload), or an app's token
 */
import type { FastifyRequest } from 'fastify';
import { uploadCanonicalForm, type UploadMethod } from '../../rig/uploads.ts';
import { errors } from '../../runtime/errors.ts';
import { createTokenVerifier } from '../admin/tokens.ts';
import type { App, AppRegistry } from '../auth/apps.ts';
import { bearerClaims } from '../auth/bearer.ts';
import { checkExpiry, parseExpires } from '../auth/expires.ts';
import { hmacSecretIndex } from '../auth/verify.ts';
import type { Config } from '../config.ts';

export interface UploadAuth {
  /** The app acting; undefined for unsigned requests and admin tokens. */
  app: App | undefined;
  admin: boolean;
}

export function createUploadAuth(opts: { apps: AppRegistry; config: Config }) {
  const { apps, config } = opts;
  const tokens = createTokenVerifier(config);

  function bearer(header: string): UploadAuth {
    const claims = bearerClaims(header, tokens, apps);
    if (claims.admin) return { app: undefined, admin: true };
    const app = apps.get(claims.app)!;
    return { app, admin: app.admin };
  }

  function signed(request: FastifyRequest, method: UploadMethod, id: string | undefined): UploadAuth {
    const { key, sig } = request.params as { key: string; sig: string };
    if (apps.open) return { app: undefined, admin: false };
    const app = apps.get(key);
    if (!app) throw errors.IMGFLOW_ERR_AUTH_KEY_UNKNOWN({ key }, undefined, key);
    const q = request.url.indexOf('?');
    const rawQuery = q < 0 ? '' : request.url.slice(q);
    let message: string;
    try {
      message = uploadCanonicalForm(method, id, new URLSearchParams(rawQuery));
    } catch {
      throw errors.IMGFLOW_ERR_AUTH_SIGNATURE({ key }, undefined, key);
    }
    if (hmacSecretIndex(app.secrets, message, sig) === undefined) throw errors.IMGFLOW_ERR_AUTH_SIGNATURE({ key }, undefined, key);
    // After the signature, as on the graph routes: unsigned probes learn nothing about an app's state.
    if (!app.enabled) throw errors.IMGFLOW_ERR_AUTH_APP_DISABLED({ key }, undefined, key);
    checkExpiry(parseExpires(rawQuery), config.expiresSkewSeconds);
    return { app, admin: app.admin };
  }

  return {
    /** Throws the coded refusal; `id` for DELETE (it is part of what is signed). */
    check(request: FastifyRequest, method: UploadMethod, id?: string): UploadAuth {
      const header = request.headers.authorization;
      if (header !== undefined) return bearer(header);
      if ((request.params as { sig?: string }).sig !== undefined) return signed(request, method, id);
      if (apps.open || (method === 'POST' && config.allowUnsigned)) return { app: undefined, admin: false };
      throw errors.IMGFLOW_ERR_AUTH_UNSIGNED({}, undefined, method === 'POST'
        ? 'upload to /uploads/<key>/<signature> (npx imgflow upload --key <key> --secret <secret> signs it), or with an admin token'
        : 'sign the request as /uploads/<key>/<signature>/<id>, or send an admin token');
    },
  };
}
