/**
 * Admin API bearer tokens: JWTs signed with HS256 (IMGFLOW_JWT_SECRET) and/or RS256 (the private
 * key matching IMGFLOW_JWT_PUBLIC_KEY). The algorithm is pinned to the key it belongs to, so an
 * HS256 token "signed" with the RSA public key is refused. Tokens must expire.
 *
 * Claims: `{"admin": true}` for everything, or `{"app": "<key>"}` for one app's own records and
 * purges of its own signed URLs.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type jsonwebtoken from 'jsonwebtoken';
import { errors } from '../../runtime/errors.ts';
import type { Config } from '../config.ts';

export type AdminClaims = { admin: true; app?: undefined } | { admin: false; app: string };

export interface TokenVerifier {
  verify(token: string, now?: number): AdminClaims;
}

/**
 * Clock skew allowed between the token issuer and this server, on exp, nbf, iat and the lifetime
 * bound alike. Documented in docs/auth-and-cache.md.
 */
export const CLOCK_TOLERANCE_SECONDS = 5;

function unauthorized(why: string, cause?: unknown) {
  return errors.IMGFLOW_ERR_ADMIN_UNAUTHORIZED({ problem: why }, cause, why);
}

function publicKey(config: Config): string | undefined {
  const value = config.jwtPublicKey;
  if (!value) return undefined;
  if (value.includes('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (err) {
    throw errors.IMGFLOW_ERR_CONFIG_INVALID({ setting: 'IMGFLOW_JWT_PUBLIC_KEY' }, err, `IMGFLOW_JWT_PUBLIC_KEY: not PEM text and not a readable file (${(err as Error).message})`);
  }
}

export function createTokenVerifier(config: Config): TokenVerifier {
  // Keyed by the token header's `alg`, which the client chooses: a Map, so `constructor` is no key.
  const keys = new Map<string, string>();
  if (config.jwtSecret) keys.set('HS256', config.jwtSecret);
  const pem = publicKey(config);
  if (pem) keys.set('RS256', pem);
  const enabled = keys.size > 0;
  // Loaded only when the admin API is on: most servers never verify a token (bench/README.md, "Memory").
  const jwt: typeof jsonwebtoken | undefined = enabled ? createRequire(import.meta.url)('jsonwebtoken') : undefined;

  return {
    verify(token, now = Date.now()) {
      if (!jwt) throw unauthorized('the admin API is off: set IMGFLOW_JWT_SECRET or IMGFLOW_JWT_PUBLIC_KEY');
      const decoded = jwt.decode(token, { complete: true });
      if (!decoded || typeof decoded.header?.alg !== 'string') throw unauthorized('malformed token');
      const alg = decoded.header.alg;
      const key = keys.get(alg);
      if (!key) throw unauthorized(`tokens signed with ${alg} are not accepted (accepted: ${[...keys.keys()].join(', ')})`);
      let payload: string | jsonwebtoken.JwtPayload;
      try {
        payload = jwt.verify(token, key, {
          algorithms: [alg as jsonwebtoken.Algorithm],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          clockTimestamp: Math.floor(now / 1000),
        });
      } catch (err) {
        if (err instanceof jwt.TokenExpiredError) throw unauthorized('token expired', err);
        throw unauthorized(`invalid token: ${(err as Error).message}`, err);
      }
      if (typeof payload !== 'object' || payload === null) throw unauthorized('token payload must be a JSON object');
      if (typeof payload.exp !== 'number') throw unauthorized('token has no exp: admin tokens must expire');
      // The lifetime is counted from now, never from the token's own iat: a client that signs
      // `iat = exp - 60` with exp in year 9999 must not get a token that lasts forever.
      const nowSeconds = Math.floor(now / 1000);
      if (payload.iat !== undefined && (typeof payload.iat !== 'number' || payload.iat > nowSeconds + CLOCK_TOLERANCE_SECONDS)) {
        throw unauthorized('token iat is in the future');
      }
      if (payload.exp - nowSeconds > config.jwtMaxLifetimeSeconds + CLOCK_TOLERANCE_SECONDS) {
        throw unauthorized(`token lifetime exceeds ${config.jwtMaxLifetimeSeconds} s from now (IMGFLOW_JWT_MAX_LIFETIME_SECONDS)`);
      }
      if (payload.admin === true) return { admin: true };
      if (typeof payload.app === 'string' && payload.app !== '') return { admin: false, app: payload.app };
      throw errors.IMGFLOW_ERR_ADMIN_FORBIDDEN({}, undefined, 'token claims neither admin: true nor an app');
    },
  };
}
