/**
 * The editor's side of the FBP protocol: one WebSocket to /runtime, the secret in every
 * payload (as Flowhub sends it), every message the runtime sends handed to the listeners.
 */
export interface Message {
  protocol: string;
  command: string;
  payload: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export type Listener = (m: Message) => void;

export function runtimeAddress(loc: Location = location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/runtime`;
}

export class RuntimeClient {
  private listeners = new Set<Listener>();
  private constructor(private ws: WebSocket, private secret: string) {
    ws.addEventListener('message', (e) => {
      let m: Message;
      try {
        m = JSON.parse(String(e.data)) as Message;
      } catch {
        return;
      }
      for (const l of [...this.listeners]) l(m);
    });
  }

  static open(url: string, secret: string): Promise<RuntimeClient> {
    const ws = new WebSocket(url, 'noflo');
    return new Promise((resolve, reject) => {
      ws.addEventListener('open', () => resolve(new RuntimeClient(ws, secret)), { once: true });
      ws.addEventListener('error', () => reject(new Error(`Could not connect to ${url}: the runtime is on only when the server has IMGFLOW_RUNTIME_SECRET (or IMGFLOW_RUNTIME_READ_SECRET) set`)), { once: true });
    });
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onClose(cb: () => void): void {
    this.ws.addEventListener('close', cb);
  }

  send(protocol: string, command: string, payload: Record<string, unknown> = {}): void {
    this.ws.send(JSON.stringify({ protocol, command, payload: { ...payload, secret: this.secret } }));
  }

  /** Sends and resolves with the first `protocol:reply` (or rejects on `protocol:error`). */
  request(protocol: string, command: string, payload: Record<string, unknown>, reply: string, match: (m: Message) => boolean = () => true): Promise<Message> {
    return new Promise((resolve, reject) => {
      const off = this.on((m) => {
        if (m.protocol === protocol && m.command === reply && match(m)) {
          off();
          resolve(m);
        } else if ((m.protocol === protocol || m.protocol === 'runtime') && m.command === 'error') {
          off();
          reject(new Error(String(m.payload?.message ?? 'error')));
        }
      });
      this.send(protocol, command, payload);
    });
  }

  close(): void {
    this.ws.close();
  }
}
