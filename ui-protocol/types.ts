/** Shared types of the FBP runtime: messages, capabilities, options, test-collection components. */
import type { Runtime } from '../runtime/index.ts';

export const CAPABILITIES = [
  'protocol:runtime', 'protocol:graph', 'graph:readonly', 'protocol:component', 'component:getsource',
  'component:setsource', 'protocol:network', 'network:control', 'network:status', 'network:data',
  'network:persist', 'protocol:trace',
] as const;

export type Capability = (typeof CAPABILITIES)[number];

/** A message from a client, after the secret was stripped. */
export interface InMessage {
  protocol: string;
  command: string;
  payload: Record<string, unknown>;
  requestId?: string;
}

/** A message to a client (fbp-protocol forbids any other top-level key). */
export interface OutMessage {
  protocol: string;
  command: string;
  /** An object, except component:componentsready whose payload is the component count. */
  payload: Record<string, unknown> | number;
  responseTo?: string;
}

/** pino's shape; fastify's logger fits. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A port as fbp-protocol describes it (component:component, runtime:ports). */
export interface PortDefinition {
  id: string;
  type: string;
  description?: string;
  required?: boolean;
  addressable?: boolean;
  values?: unknown[];
  default?: unknown;
}

export interface PacketContext {
  send(port: string, data: unknown): void;
  /** Shown in Flowhub's console (network:output). */
  output(message: string): void;
}

/**
 * A non-image component that moves JSON packets, for protocol test collections (fbp-test's
 * Repeat, Drop, Output). Graphs made only of these run as a packet network.
 */
export interface PacketComponent {
  name: string;
  description: string;
  icon?: string;
  inPorts: PortDefinition[];
  outPorts: PortDefinition[];
  process(port: string, data: unknown, ctx: PacketContext): void;
}

/** Fetches a sample/input image URL (http(s)); the server passes its SSRF-safe fetcher. */
export type FetchInput = (url: string, signal: AbortSignal) => Promise<Buffer>;

/**
 * The checks every image entering through the runtime must pass (samples sent as data, sample
 * URLs fetched, image parameters): the server passes the ones its HTTP inputs pass.
 */
export interface InputCheck {
  /** Refuses bytes that are not an accepted image or have too many pixels, from the header only (throws a coded ImgflowError). */
  check(bytes: Buffer): Promise<unknown>;
  /** sharp's limitInputPixels when the image is then decoded: a second guard. */
  maxPixels: number;
}

export interface ProtocolOptions {
  runtime: Runtime;
  /** Secrets mapped to capability sets. Compared in constant time; never echoed. */
  secrets: { read?: string; full?: string };
  /** What a client without a valid secret may do (default: nothing but runtime:getruntime). */
  anonymous?: 'none' | 'read' | 'full';
  /** UUID reported in runtime:runtime (Flowhub keys its runtime list on it). */
  runtimeId: string;
  label?: string;
  /** The graph Flowhub opens in live mode; default `main` if stored, else the first stored graph. */
  mainGraph?: string;
  logger?: Logger;
  /** Image used for previews of graphs with no sample; default: a generated test image. */
  previewInput?: Buffer;
  /** Fetcher for sample URLs; without it only `data:` URLs are accepted as samples. */
  fetchInput?: FetchInput;
  /** Checks on every image a client sends or names, before it is decoded (required: there is no safe default here). */
  inputCheck: InputCheck;
  /** Extra non-image components (test collections); never shipped as operations. */
  packetComponents?: readonly PacketComponent[];
  /** Longest side of previews sent in network:data (default 256). */
  previewSize?: number;
  /** Samples are scaled to at most this many pixels per side before a preview run (default 1024). */
  previewInputMaxSide?: number;
  /**
   * Bytes of node images started networks keep between preview runs, so an edit re-runs only
   * what it changes (default 128 MiB, all graphs together; 0: every run computes every node).
   */
  previewMemoryBytes?: number;
  /**
   * Check every outgoing message against fbp-protocol's schemas: 'log' logs invalid ones
   * (default), 'throw' makes sending one an error (tests), 'off' skips the check.
   */
  validateOutput?: 'off' | 'log' | 'throw';
  /** Graphs that exist only in memory (names the store refuses, e.g. fbp-spec's `fixture.x`); oldest dropped beyond this. */
  maxMemoryGraphs?: number;
}
