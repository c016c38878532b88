/**
 * Inputs users can send, for the property specs: names drawn from Object.prototype's members,
 * real names, and random (unicode) strings; values that are mostly wrong, sometimes right.
 */
import fc from 'fast-check';
import { PROTOTYPE_NAMES } from '../_helpers/prototype-names.ts';

/** A name anywhere a user picks one: prototype members, the given real names, random text. */
export function nameArb(real: readonly string[] = []): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...PROTOTYPE_NAMES),
    ...(real.length ? [fc.constantFrom(...real)] : []),
    fc.string({ maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 8 }),
    fc.constantFrom('', ' ', '.', '..', '/', '%', '-', '_', '0', 'input', 'expires', 'Width', 'WIDTH', 'width ', 'std_dev_x'),
  );
}

/** A parameter value: small numbers (so valid ones stay cheap), colours, booleans, junk. */
export const valueArb: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: -10, max: 300 }).map(String),
  fc.double({ noNaN: false }).map(String),
  fc.constantFrom('', ' ', 'true', 'false', '1', '0', 'NaN', 'Infinity', '-0', '1e400', '0x10', '1_000', '#fff', '#00000000', 'red', 'transparent', 'cover', 'contain', 'none', 'clamp'),
  fc.constantFrom(...PROTOTYPE_NAMES),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);

/** Percent-encoding that decoders disagree on: lone `%`, bad hex, overlong and broken UTF-8, surrogates. */
export const rawOddArb: fc.Arbitrary<string> = fc.constantFrom(
  '%', '%2', '%zz', '%E0%A4%A', '%C0%AF', '%00', '+', '%2B', '&&', '=', '==', '%25', '%FF', '%F0%9F%98%80', '%uD800', '%ED%A0%80', '%EF%BF%BF', '[]', 'a[b]=c', 'a.b=c',
);

/** One query string: encoded pairs (repeated keys and empty values included), sometimes odd raw pieces. */
export function queryArb(realNames: readonly string[]): fc.Arbitrary<string> {
  const pair = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(nameArb(realNames), valueArb).map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`) },
    { weight: 1, arbitrary: nameArb(realNames).map((n) => encodeURIComponent(n)) },
    { weight: 1, arbitrary: fc.tuple(rawOddArb, fc.option(rawOddArb)).map(([a, b]) => (b === null ? a : `${a}=${b}`)) },
  );
  return fc.array(pair, { maxLength: 6 }).map((pairs) => pairs.join('&'));
}

/** Anything JSON: the shape of what arrives in a body or a protocol message. */
export const jsonArb: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 3 });
