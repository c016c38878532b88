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

/** One edit of a JSON document: at the `at`-th container (mod their count), set, rename or delete a member. */
export interface Mutation {
  op: 'set' | 'rename' | 'delete' | 'addKey';
  at: number;
  pick: number;
  name: string;
  value: unknown;
}

export const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('set', 'set', 'rename', 'delete', 'addKey'),
  at: fc.nat(),
  pick: fc.nat(),
  name: nameArb(['input', 'output', 'process', 'port', 'component', 'data', 'src', 'tgt', 'processes', 'connections', 'inports', 'outports', 'metadata']),
  value: fc.oneof(jsonArb, nameArb(), fc.constantFrom('imgflow/negate', 'gegl/crop', 'graphs/passthrough', 'gegl:gaussian-blur', 'imgflow/nonexistent')),
});

function containers(value: unknown, out: (Record<string, unknown> | unknown[])[] = []): (Record<string, unknown> | unknown[])[] {
  if (value !== null && typeof value === 'object') {
    out.push(value as Record<string, unknown>);
    for (const v of Object.values(value)) containers(v, out);
  }
  return out;
}

/**
 * Applies mutations to a JSON text and returns JSON text. Members are written with define
 * semantics, so a generated `__proto__` becomes a key as it would in a client's JSON.
 */
export function mutateJson(text: string, mutations: readonly Mutation[]): string {
  const doc = JSON.parse(text) as unknown;
  for (const m of mutations) {
    const all = containers(doc);
    if (all.length === 0) break;
    const target = all[m.at % all.length];
    const keys = Object.keys(target);
    const key = Array.isArray(target) ? String(m.pick % (target.length + 1)) : keys.length ? keys[m.pick % keys.length] : m.name;
    const define = (k: string, v: unknown) => Object.defineProperty(target, k, { value: v, writable: true, enumerable: true, configurable: true });
    if (m.op === 'set') define(key, m.value);
    else if (m.op === 'addKey' && !Array.isArray(target)) define(m.name, m.value);
    else if (m.op === 'delete') {
      if (Array.isArray(target)) target.splice(Number(key), 1);
      else delete target[key];
    } else if (m.op === 'rename' && !Array.isArray(target) && Object.hasOwn(target, key)) {
      const v = target[key];
      delete target[key];
      define(m.name, v);
    }
  }
  return JSON.stringify(doc);
}
