/**
 * Message validation against fbp-protocol's schema bundle (`schema/schemas.js`, fully
 * dereferenced, draft-04). fbp-protocol is a dev dependency: where it is not installed the
 * validator is absent and messages go unchecked.
 */
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';

export interface MessageValidator {
  /** Problems with a client message (after the secret was stripped), or [] when valid. */
  input(protocol: string, command: string, message: unknown): string[];
  /** Problems with a message we are about to send, or [] when valid. */
  output(protocol: string, command: string, message: unknown): string[];
}

type Bundle = Record<string, Record<string, unknown>>;

/** ajv 8 refuses draft-04 `id` keywords; they carry no meaning once the bundle is dereferenced. */
function stripIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripIds);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'id' && typeof v === 'string') continue;
    // network:persist declares `properties: null`, which no validator accepts.
    if (k === 'properties' && v === null) {
      out[k] = {};
      continue;
    }
    out[k] = stripIds(v);
  }
  return out;
}

const message = (protocol: string, command: string, payload: Record<string, unknown>, required: string[]) => ({
  type: 'object',
  required: ['protocol', 'command', 'payload'],
  properties: {
    protocol: { enum: [protocol] },
    command: { enum: [command] },
    payload: { type: 'object', required, additionalProperties: false, properties: payload },
  },
});

/** imgflow's additions to the protocol (ui-protocol/README.md), checked like fbp-protocol's own messages. */
const EXTENSIONS: Bundle = {
  graph: {
    input: {
      delete: message('graph', 'delete', { id: { type: 'string' } }, ['id']),
      rename: message('graph', 'rename', { from: { type: 'string' }, to: { type: 'string' } }, ['from', 'to']),
    },
    output: {
      delete: message('graph', 'delete', { id: { type: 'string' } }, ['id']),
      rename: message('graph', 'rename', { from: { type: 'string' }, to: { type: 'string' } }, ['from', 'to']),
    },
  },
};

function extension(protocol: string, direction: 'input' | 'output', command: string): unknown {
  const commands = Object.hasOwn(EXTENSIONS, protocol) ? EXTENSIONS[protocol][direction] as Record<string, unknown> : undefined;
  return commands && Object.hasOwn(commands, command) ? commands[command] : undefined;
}

let cached: MessageValidator | null | undefined;

/** The validator, or null where fbp-protocol is not installed. Compiled once, lazily per message type. */
export function loadMessageValidator(): MessageValidator | null {
  if (cached !== undefined) return cached;
  let bundle: Bundle;
  try {
    bundle = createRequire(import.meta.url)('fbp-protocol/schema/schemas.js') as Bundle;
  } catch {
    cached = null;
    return cached;
  }
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('date-time', (s: string) => !Number.isNaN(Date.parse(s)));
  ajv.addFormat('uri', (s: string) => /^[a-z][a-z0-9+.-]*:/i.test(s));
  const compiled = new Map<string, ValidateFunction>();
  const get = (direction: 'input' | 'output', protocol: string, command: string) => {
    const key = `${protocol}/${direction}/${command}`;
    if (!compiled.has(key)) {
      const schema = (bundle[protocol]?.[direction] as Record<string, unknown> | undefined)?.[command]
        ?? extension(protocol, direction, command);
      if (!schema || protocol === 'shared') return undefined;
      compiled.set(key, ajv.compile(stripIds(schema) as object));
    }
    return compiled.get(key);
  };
  const check = (direction: 'input' | 'output') => (protocol: string, command: string, message: unknown) => {
    const validate = get(direction, protocol, command);
    if (!validate) return [`${protocol}:${command} is not a known ${direction} message`];
    if (validate(message)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
  };
  cached = { input: check('input'), output: check('output') };
  return cached;
}
