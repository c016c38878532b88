/** Admin token lifetime is counted from now: a token's own iat cannot stretch it. */
import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { CLOCK_TOLERANCE_SECONDS, createTokenVerifier } from '../../server/admin/tokens.ts';
import { loadConfig } from '../../server/config.ts';

const SECRET = 'admin-jwt-secret-0123456789abcdefghij';
const MAX = 3600;
const NOW = Date.now();
const nowS = Math.floor(NOW / 1000);
const verifier = createTokenVerifier(loadConfig({ jwtSecret: SECRET, jwtMaxLifetimeSeconds: MAX }, {}));
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
/** Signed by hand: jsonwebtoken's sign() rewrites or refuses the odd iat values tested here. */
const token = (claims: object) => {
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ admin: true, ...claims })}`;
  return `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;
};
const refusal = (t: string) => {
  try {
    verifier.verify(t, NOW);
  } catch (err) {
    return err as { code: string; message: string };
  }
  return undefined;
};

describe('server/admin/tokens: lifetime counted from now', () => {
  it('refuses exp in year 9999 whatever iat says (iat = exp - 60)', () => {
    const exp = Math.floor(Date.UTC(9999, 0, 1) / 1000);
    const err = refusal(token({ exp, iat: exp - 60 }));
    expect(err?.code).to.equal('IMGFLOW_ERR_ADMIN_UNAUTHORIZED');
  });

  it('refuses an iat in the future beyond the clock skew', () => {
    const err = refusal(token({ iat: nowS + CLOCK_TOLERANCE_SECONDS + 10, exp: nowS + 60 }));
    expect(err?.code).to.equal('IMGFLOW_ERR_ADMIN_UNAUTHORIZED');
    expect(err?.message).to.match(/iat is in the future/);
  });

  it('refuses a non-numeric iat', () => {
    expect(refusal(token({ iat: 'yesterday', exp: nowS + 60 }))?.code).to.equal('IMGFLOW_ERR_ADMIN_UNAUTHORIZED');
  });

  it('accepts exp up to the maximum lifetime (plus skew) from now, and refuses one second more', () => {
    expect(refusal(token({ iat: nowS, exp: nowS + MAX }))).to.equal(undefined);
    expect(refusal(token({ exp: nowS + MAX + CLOCK_TOLERANCE_SECONDS }))).to.equal(undefined);
    expect(refusal(token({ iat: nowS, exp: nowS + MAX + CLOCK_TOLERANCE_SECONDS + 1 }))?.message).to.match(/lifetime exceeds 3600 s from now/);
  });

  it('accepts an old iat when exp is still within the window from now', () => {
    // Issued a week ago for 8 days: its remaining life (1 day) is what matters, not its total.
    expect(refusal(token({ iat: nowS - 7 * 86400, exp: nowS + MAX - 1 }))).to.equal(undefined);
    expect(refusal(jwt.sign({ admin: true, exp: nowS + 60 }, SECRET, { algorithm: 'HS256', noTimestamp: true }))).to.equal(undefined);
  });

  it('refuses alg names that are Object.prototype properties as unaccepted algorithms', () => {
    for (const alg of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(refusal(`${b64({ alg, typ: 'JWT' })}.${b64({ admin: true, exp: nowS + 60 })}.c2ln`)?.message, alg).to.match(/are not accepted/);
    }
  });
});
