/**
 * A protocol test client over a real WebSocket: every message it receives is validated against
 * fbp-protocol's schema bundle (a failure is recorded and fails the spec), replies are matched by
 * protocol + command (and requestId when given), never by "the next message".
 */
import WebSocket from 'ws';
import { loadMessageValidator } from '../../../ui-protocol/index.ts';

export interface Received {
  protocol: string;
  command: string;
  payload: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  responseTo?: string;
}

const validator = loadMessageValidator();
if (!validator) throw new Error('fbp-protocol (dev dependency) is needed to validate messages in specs');

export class TestClient {
  readonly received: Received[] = [];
  readonly invalid: string[] = [];
  private waiters: { match: (m: Received) => boolean; resolve: (m: Received) => void; from: number }[] = [];
  readonly ws: WebSocket;
  readonly secret: string | undefined;
  private constructor(ws: WebSocket, secret: string | undefined) {
    this.ws = ws;
    this.secret = secret;
    ws.on('message', (data) => this.onMessage(data.toString()));
  }

  static async connect(url: string, secret?: string, protocols: string[] = ['noflo']): Promise<TestClient> {
    const ws = new WebSocket(url, protocols);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new TestClient(ws, secret);
  }

  private onMessage(text: string) {
    const msg = JSON.parse(text) as Received;
    const problems = validator!.output(msg.protocol, msg.command, msg);
    if (problems.length) this.invalid.push(`${msg.protocol}:${msg.command}: ${problems.join('; ')}`);
    if ('secret' in msg || (msg.payload && typeof msg.payload === 'object' && 'secret' in msg.payload)) this.invalid.push(`${msg.protocol}:${msg.command} echoed a secret`);
    this.received.push(msg);
    const index = this.received.length - 1;
    this.waiters = this.waiters.filter((w) => {
      if (index < w.from || !w.match(msg)) return true;
      w.resolve(msg);
      return false;
    });
  }

  /** Sends with the secret in the payload (how Flowhub does it) unless `topLevel`. */
  send(protocol: string, command: string, payload: Record<string, unknown> = {}, extra: { requestId?: string; topLevel?: boolean } = {}): number {
    const mark = this.received.length;
    const body = extra.topLevel || this.secret === undefined ? payload : { ...payload, secret: this.secret };
    const msg: Record<string, unknown> = { protocol, command, payload: body };
    if (extra.topLevel && this.secret !== undefined) msg.secret = this.secret;
    if (extra.requestId) msg.requestId = extra.requestId;
    this.ws.send(JSON.stringify(msg));
    return mark;
  }

  sendRaw(text: string): number {
    const mark = this.received.length;
    this.ws.send(text);
    return mark;
  }

  /** The first message from index `from` on that matches. */
  waitFor(match: (m: Received) => boolean, from = 0, timeoutMs = 10_000): Promise<Received> {
    const found = this.received.slice(from).find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting; got ${this.received.slice(from).map((m) => `${m.protocol}:${m.command}`).join(', ') || 'nothing'}`)), timeoutMs);
      this.waiters.push({ match, from, resolve: (m) => { clearTimeout(timer); resolve(m); } });
    });
  }

  /** Sends and waits for `protocol:reply` or `<protocol>:error` (or runtime:error). */
  async request(protocol: string, command: string, payload: Record<string, unknown> = {}, reply = command): Promise<Received> {
    const mark = this.send(protocol, command, payload);
    return this.waitFor((m) => (m.protocol === protocol && (m.command === reply || m.command === 'error')) || (m.protocol === 'runtime' && m.command === 'error'), mark);
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
