/**
 * One path for every client message: parse -> strip the secret -> capabilities of that secret
 * -> lenient schema check (logged, never rejected: fbp-test itself sends off-schema messages)
 * -> permission -> handler. Every request gets a reply or a `<protocol>:error`.
 */
import { ImgflowError } from '../runtime/index.ts';
import { allows, capabilitiesFor, inputCapabilities } from './capabilities.ts';
import type { Core, Session } from './core.ts';
import { ProtocolError } from './graphs.ts';
import { componentHandlers } from './protocol/component.ts';
import { graphHandlers } from './protocol/graph.ts';
import { graphFileHandlers } from './protocol/graph-files.ts';
import { networkHandlers } from './protocol/network.ts';
import { runtimeHandlers } from './protocol/runtime.ts';
import { traceHandlers } from './protocol/trace.ts';
import type { InMessage } from './types.ts';

export interface RequestContext {
  readonly core: Core;
  readonly session: Session;
  readonly protocol: string;
  readonly command: string;
  readonly requestId?: string;
  /** To the requesting client only. */
  reply(command: string, payload: Record<string, unknown> | number, protocol?: string): void;
  /** To the requesting client (as the reply) and to every other client allowed to see it. */
  announce(command: string, payload: Record<string, unknown>, protocol?: string): void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler = (payload: any, ctx: RequestContext) => void | Promise<void>;

// By the client's `protocol` string: a Map, so `constructor` is an unknown protocol like any other.
const handlers = new Map<string, Record<string, Handler>>([
  ['runtime', runtimeHandlers],
  ['graph', { ...graphHandlers, ...graphFileHandlers }],
  ['component', componentHandlers],
  ['network', networkHandlers],
  ['trace', traceHandlers],
]);

function parse(text: string): InMessage & { secret?: string } {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch (err) {
    throw new ProtocolError(`Invalid message: not JSON (${(err as Error).message})`);
  }
  const m = msg as Record<string, unknown>;
  if (!m || typeof m !== 'object' || Array.isArray(m) || typeof m.protocol !== 'string' || typeof m.command !== 'string') {
    throw new ProtocolError('Invalid message: expected {protocol, command, payload}');
  }
  if (m.payload !== undefined && (m.payload === null || typeof m.payload !== 'object' || Array.isArray(m.payload))) {
    throw new ProtocolError(`Invalid message: ${m.protocol}:${m.command} payload must be an object`);
  }
  return m as unknown as InMessage & { secret?: string };
}

function errorPayload(err: unknown): { message: string; code?: string } {
  if (err instanceof ProtocolError) return { message: err.message };
  if (err instanceof ImgflowError) return { message: err.message, code: err.code };
  return { message: 'Internal error' };
}

export async function dispatch(core: Core, session: Session, text: string): Promise<void> {
  let msg: InMessage & { secret?: string };
  try {
    msg = parse(text);
  } catch (err) {
    core.send(session, { protocol: 'runtime', command: 'error', payload: errorPayload(err) });
    return;
  }
  // The secret travels at the top level (0.8) or in the payload (Flowhub, fbp-spec): use
  // either, and drop both so it is never validated, handled, logged or echoed.
  const { payload: rawPayload = {}, secret: topSecret, requestId } = msg;
  const { secret: payloadSecret, ...payload } = rawPayload as Record<string, unknown>;
  const secret = typeof topSecret === 'string' ? topSecret : typeof payloadSecret === 'string' ? payloadSecret : undefined;
  session.capabilities = new Set(capabilitiesFor(secret, core.options));
  const { protocol, command } = msg;
  const responseTo = typeof requestId === 'string' ? requestId : undefined;

  const ctx: RequestContext = {
    core,
    session,
    protocol,
    command,
    requestId: responseTo,
    reply(cmd, body, proto = protocol) {
      core.send(session, { protocol: proto, command: cmd, payload: body, ...(responseTo ? { responseTo } : {}) });
    },
    announce(cmd, body, proto = protocol) {
      ctx.reply(cmd, body, proto);
      core.broadcast(proto, cmd, body, (s) => s !== session);
    },
  };

  const table = handlers.get(protocol);
  if (!table) {
    ctx.reply('error', { message: `Unknown protocol ${protocol}` }, 'runtime');
    return;
  }
  const handler = Object.hasOwn(table, command) ? table[command] : undefined;
  if (!handler) {
    ctx.reply('error', { message: `${protocol}:${command} not supported` });
    return;
  }
  if (!allows(session.capabilities, inputCapabilities(protocol, command))) {
    ctx.reply('error', { message: `${protocol}:${command} is not permitted` });
    return;
  }
  if (core.validator) {
    const { secret: _s, ...clean } = msg;
    const problems = core.validator.input(protocol, command, { ...clean, payload });
    if (problems.length) core.logger.debug({ protocol, command, problems }, 'client message does not match fbp-protocol schema');
  }
  try {
    await handler(payload, ctx);
  } catch (err) {
    if (!(err instanceof ProtocolError) && !(err instanceof ImgflowError)) core.logger.error({ err, protocol, command }, 'protocol handler failed');
    const body = errorPayload(err);
    if (protocol === 'network') {
      const graph = typeof payload.graph === 'string' ? { graph: payload.graph } : {};
      ctx.reply('error', { message: body.message, ...graph });
    } else ctx.reply('error', body);
  }
}
