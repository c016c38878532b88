/**
 * A local server answering like Fly's Machines API (the documented paths, bodies and
 * {"error": ...} answers), recording every request. With `boot`, a created machine runs its
 * config.init.cmd as a real process with the machine's env and FLY_MACHINE_ID, as Fly would
 * run it in the image (`secrets` stand in for the app's secrets); the process exiting stops
 * the machine, and auto_destroy then removes it. Failures are injected per method and path.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded { method: string; path: string; query: URLSearchParams; headers: http.IncomingHttpHeaders; body: unknown; at: number }

export interface FakeMachine {
  id: string;
  name: string;
  state: string;
  region: string;
  instance_id: string;
  created_at: string;
  config: { image: string; auto_destroy?: boolean; env?: Record<string, string>; init?: { cmd?: string[] }; metadata?: Record<string, string> } & Record<string, unknown>;
  proc?: ChildProcess;
  output: string;
}

interface Failure { method: string; path: RegExp; status: number; body: unknown; times: number }

export interface FlyMachinesServer {
  /** Base URL, /v1 included. */
  base: string;
  requests: Recorded[];
  machines: Map<string, FakeMachine>;
  /** Every machine ever created or seeded (destroyed ones included). */
  history: FakeMachine[];
  /** Answers the next `times` matching requests with `status` and `body`. */
  fail(method: string, path: RegExp, status: number, body: unknown, times?: number): void;
  /** A machine made "earlier" (by another process): metadata and creation time as given, no process. */
  seed(m: Partial<FakeMachine> & { config: FakeMachine['config'] }): FakeMachine;
  calls(method: string, path?: RegExp): Recorded[];
  close(): Promise<void>;
}

export interface FlyServerOptions {
  app: string;
  token: string;
  /** Run config.init.cmd as a process when a machine starts. */
  boot?: boolean;
  /** Env every machine gets (the app's secrets). */
  secrets?: Record<string, string>;
  /** Delay from created to started (ms). */
  startMs?: number;
}

export async function startFlyMachinesServer(opts: FlyServerOptions): Promise<FlyMachinesServer> {
  const requests: Recorded[] = [];
  const machines = new Map<string, FakeMachine>();
  const history: FakeMachine[] = [];
  const failures: Failure[] = [];
  const waiters = new Set<() => void>();
  const changed = () => { for (const w of [...waiters]) w(); };

  const setState = (m: FakeMachine, state: string) => {
    m.state = state;
    if (state === 'destroyed') machines.delete(m.id);
    changed();
  };

  function start(m: FakeMachine) {
    if (m.state !== 'created') return;
    setState(m, 'started');
    const cmd = m.config.init?.cmd;
    if (!opts.boot || !cmd?.length) return;
    const proc = spawn(cmd[0], cmd.slice(1), { env: { ...process.env, ...opts.secrets, ...m.config.env, FLY_MACHINE_ID: m.id }, stdio: ['ignore', 'pipe', 'pipe'] });
    m.proc = proc;
    for (const s of [proc.stdout!, proc.stderr!]) s.on('data', (d) => { m.output = (m.output + d).slice(-20_000); });
    proc.on('exit', () => {
      m.proc = undefined;
      if (m.state === 'destroyed') return;
      setState(m, 'stopped');
      if (m.config.auto_destroy) setState(m, 'destroyed');
    });
  }

  const send = (res: http.ServerResponse, status: number, body?: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(body === undefined ? '' : JSON.stringify(body));
  };
  const view = (m: FakeMachine) => ({ id: m.id, name: m.name, state: m.state, region: m.region, instance_id: m.instance_id, private_ip: 'fdaa::1', created_at: m.created_at, updated_at: m.created_at, config: m.config, events: [] });

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      let body: unknown;
      try { body = raw ? JSON.parse(raw) : undefined; } catch { body = raw; }
      requests.push({ method: req.method!, path: url.pathname, query: url.searchParams, headers: req.headers, body, at: Date.now() });
      const f = failures.find((x) => x.times > 0 && x.method === req.method && x.path.test(url.pathname));
      if (f) {
        f.times--;
        return send(res, f.status, f.body);
      }
      if (req.headers.authorization !== `Bearer ${opts.token}`) return send(res, 401, { error: 'You must be authenticated to view this.' });
      const m = /^\/v1\/apps\/([^/]+)\/machines(?:\/([^/]+))?(?:\/(wait|stop))?$/.exec(url.pathname);
      if (!m || m[1] !== opts.app) return send(res, 404, { error: 'app not found' });
      const [, , id, action] = m;
      if (!id && req.method === 'GET') {
        const filters = [...url.searchParams].filter(([k]) => k.startsWith('metadata.')).map(([k, v]) => [k.slice(9), v]);
        return send(res, 200, [...machines.values()].filter((x) => filters.every(([k, v]) => x.config.metadata?.[k] === v)).map(view));
      }
      if (!id && req.method === 'POST') {
        const b = body as { name?: string; region?: string; config?: FakeMachine['config'] };
        if (!b?.config?.image) return send(res, 422, { error: 'invalid config: image is required' });
        const machine: FakeMachine = {
          id: randomBytes(7).toString('hex'), name: b.name ?? `m-${randomBytes(3).toString('hex')}`, state: 'created', region: b.region ?? 'ams',
          instance_id: randomBytes(8).toString('hex').toUpperCase(), created_at: new Date().toISOString(), config: b.config, output: '',
        };
        machines.set(machine.id, machine);
        history.push(machine);
        setTimeout(() => start(machine), opts.startMs ?? 50);
        return send(res, 200, view(machine));
      }
      const machine = machines.get(id ?? '');
      if (!machine) return send(res, 404, { error: 'machine not found' });
      if (action === 'wait' && req.method === 'GET') {
        const state = url.searchParams.get('state') ?? 'started';
        if (state === 'stopped' && url.searchParams.get('instance_id') !== machine.instance_id) return send(res, 400, { error: 'instance_id is required to wait for stopped, and must be the current one' });
        const timeout = Number(url.searchParams.get('timeout') ?? 60) * 1000;
        const done = () => machine.state === state || (state === 'stopped' && machine.state === 'destroyed');
        if (done()) return send(res, 200, { ok: true });
        const timer = setTimeout(() => { waiters.delete(check); send(res, 408, { error: 'deadline_exceeded: machine did not reach state' }); }, timeout);
        const check = () => {
          if (!done()) return;
          waiters.delete(check);
          clearTimeout(timer);
          send(res, 200, { ok: true });
        };
        waiters.add(check);
        return;
      }
      if (action === 'stop' && req.method === 'POST') {
        const signal = (body as { signal?: string })?.signal ?? 'SIGINT';
        if (machine.proc) {
          setState(machine, 'stopping');
          machine.proc.kill(signal as NodeJS.Signals);
        } else {
          setState(machine, 'stopped');
          if (machine.config.auto_destroy) setState(machine, 'destroyed');
        }
        return send(res, 200, { ok: true });
      }
      if (!action && req.method === 'DELETE') {
        if (machine.state === 'started' && url.searchParams.get('force') !== 'true') return send(res, 412, { error: 'machine still active, refusing to delete' });
        machine.proc?.kill('SIGKILL');
        setState(machine, 'destroyed');
        return send(res, 200, { ok: true });
      }
      if (!action && req.method === 'GET') return send(res, 200, view(machine));
      send(res, 404, { error: 'not found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));

  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    machines,
    history,
    fail(method, path, status, body, times = 1) { failures.push({ method, path, status, body, times }); },
    seed(s) {
      const machine: FakeMachine = {
        id: randomBytes(7).toString('hex'), name: `seed-${randomBytes(3).toString('hex')}`, state: 'started', region: 'ams',
        instance_id: randomBytes(8).toString('hex').toUpperCase(), created_at: new Date().toISOString(), output: '', ...s,
      };
      machines.set(machine.id, machine);
      history.push(machine);
      return machine;
    },
    calls: (method, path) => requests.filter((r) => r.method === method && (!path || path.test(r.path))),
    async close() {
      for (const m of machines.values()) m.proc?.kill('SIGKILL');
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
