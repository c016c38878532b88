/** Protocol edge shapes (`node` where graph JSON says `process`) and noflo's textual edge ids. */
import type { Connection, PortRef } from '../runtime/index.ts';

export interface ProtocolPort { node: string; port: string; index?: number | string }
export interface EdgeRef { src: ProtocolPort; tgt: ProtocolPort }

export function toProtocolPort(ref: PortRef): ProtocolPort {
  return ref.index === undefined ? { node: ref.process, port: ref.port } : { node: ref.process, port: ref.port, index: ref.index };
}

export function toPortRef(port: ProtocolPort): PortRef {
  const index = port.index === undefined || port.index === null ? undefined : Number(port.index);
  return index === undefined || Number.isNaN(index) ? { process: port.node, port: port.port } : { process: port.node, port: port.port, index };
}

const portLabel = (p: ProtocolPort) => `${p.port.toUpperCase()}${p.index === undefined ? '' : `[${p.index}]`}`;

/** `Hello() OUT -> IN World()`, or `DATA -> IN Hello()` for an IIP (what noflo and Flowhub use). */
export function edgeId(src: ProtocolPort | undefined, tgt: ProtocolPort): string {
  const from = src ? `${src.node}() ${portLabel(src)}` : 'DATA';
  return `${from} -> ${portLabel(tgt)} ${tgt.node}()`;
}

export function samePort(a: PortRef, b: PortRef): boolean {
  return a.process === b.process && a.port === b.port && (a.index ?? null) === (b.index ?? null);
}

export function sameProtocolPort(a: ProtocolPort, b: ProtocolPort): boolean {
  return samePort(toPortRef(a), toPortRef(b));
}

export function isEdge(c: Connection): c is Connection & { src: PortRef } {
  return c.src !== undefined;
}
