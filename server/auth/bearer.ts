/**
 * `Authorization: Bearer <JWT>` for the routes that take one from an admin or an app (admin API,
 * uploads): the token verified, and an app's token refused once the app is unknown or disabled.
 */
import { errors } from '../../runtime/errors.ts';
import type { AdminClaims, TokenVerifier } from '../admin/tokens.ts';
import type { AppRegistry } from './apps.ts';

const BEARER = /^Bearer\s+(\S+)$/i;

/** The token in the header; undefined when there is none or the header is not `Bearer <token>`. */
export function bearerToken(header: string | undefined): string | undefined {
  return header ? BEARER.exec(header)?.[1] : undefined;
}

/** The claims of a valid token: 401 IMGFLOW_ERR_ADMIN_UNAUTHORIZED without one, 403 for an app that cannot act. */
export function bearerClaims(header: string | undefined, verifier: TokenVerifier, apps: AppRegistry): AdminClaims {
  const token = bearerToken(header);
  if (!token) throw errors.IMGFLOW_ERR_ADMIN_UNAUTHORIZED({}, undefined, 'send Authorization: Bearer <JWT>');
  const claims = verifier.verify(token);
  if (!claims.admin) {
    const owner = apps.get(claims.app);
    if (!owner || !owner.enabled) throw errors.IMGFLOW_ERR_ADMIN_FORBIDDEN({ key: claims.app }, undefined, `app ${claims.app} is unknown or disabled`);
  }
  return claims;
}
