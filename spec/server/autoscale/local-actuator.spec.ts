/**
 * The local-process actuator on its own (no loop), with real child processes: small Node
 * scripts standing in for `imgflow worker` where the spec is about process handling (argv,
 * SIGTERM, crashes); the end-to-end spec runs the real worker.
 */
import { expect } from 'chai';
import { createLocalProcessActuator, type WorkerExit } from '../../../server/autoscale/actuators/local-processes.ts';
import { parseAutoscaleConfig } from '../../../server/autoscale/config.ts';
import { until } from '../jobs/_fixtures.ts';

const role = parseAutoscaleConfig('heavy: {concurrency: 2}').roles[0];
const node = (script: string) => [process.execPath, '-e', script, '--'];
/** Prints its arguments, exits 0 on SIGTERM. */
const polite = node("console.log(JSON.stringify(process.argv.slice(1))); process.on('SIGTERM', () => setTimeout(() => process.exit(0), 50)); setInterval(() => {}, 1000);");

function recorder() {
  const warns: Record<string, unknown>[] = [];
  return { warns, log: { info() {}, warn: (obj: object) => void warns.push(obj as Record<string, unknown>) } };
}

describe('autoscale local-process actuator', function () {
  this.timeout(15_000);

  it('starts workers with --queues and --concurrency, stops the newest with SIGTERM when scaled down', async () => {
    const { log } = recorder();
    const a = createLocalProcessActuator({ command: polite, stdio: 'pipe', stopTimeoutMs: 5000, restartDelayMs: 50, log });
    const argv = new Map<number, string>();
    const exits: WorkerExit[] = [];
    a.events.on('spawn', ({ pid, child }) => child.stdout.on('data', (d: Buffer) => argv.set(pid, String(d).trim())));
    a.events.on('exit', (e: WorkerExit) => exits.push(e));
    try {
      await a.scale(role, 2);
      expect(await a.current(role)).to.equal(2);
      const [older, newer] = a.pids('heavy');
      await until('both to print their arguments', async () => (argv.size === 2 ? true : undefined));
      expect(JSON.parse(argv.get(older)!)).to.deep.equal(['--queues', 'heavy', '--concurrency', '2']);
      await a.scale(role, 1);
      expect(a.pids('heavy')).to.deep.equal([older]);
      const exit = await until('the newer one to exit', async () => exits.find((e) => e.pid === newer));
      expect(exit).to.include({ code: 0, signal: null, stopped: true });
    } finally {
      await a.close();
    }
    expect(exits).to.have.length(2);
  });

  it('replaces a worker killed with SIGKILL by itself', async () => {
    const { log, warns } = recorder();
    const a = createLocalProcessActuator({ command: polite, stdio: 'ignore', stopTimeoutMs: 5000, restartDelayMs: 50, log });
    try {
      await a.scale(role, 1);
      const [victim] = a.pids('heavy');
      process.kill(victim, 'SIGKILL');
      const [replacement] = await until('a replacement', async () => (a.pids('heavy').length === 1 && a.pids('heavy')[0] !== victim ? a.pids('heavy') : undefined));
      expect(replacement).to.be.a('number');
      expect(warns[0]).to.include({ pid: victim, signal: 'SIGKILL', stopped: false, restartInMs: 50 });
      expect((a.describe().processes as Record<string, { restarts: number }>).heavy.restarts).to.equal(1);
    } finally {
      await a.close();
    }
  });

  it('doubles the restart delay while a worker keeps crashing at start', async () => {
    const { log, warns } = recorder();
    const a = createLocalProcessActuator({ command: node('process.exit(3)'), stdio: 'ignore', stopTimeoutMs: 1000, restartDelayMs: 40, log });
    try {
      await a.scale(role, 1);
      await until('four crashes', async () => (warns.length >= 4 ? true : undefined));
      expect(warns.slice(0, 4).map((w) => [w.code, w.restartInMs])).to.deep.equal([[3, 40], [3, 80], [3, 160], [3, 320]]);
    } finally {
      await a.close();
    }
  });

  it('kills a worker that ignores SIGTERM after the stop timeout', async () => {
    const { log } = recorder();
    const stubborn = node("process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000);");
    const a = createLocalProcessActuator({ command: stubborn, stdio: 'pipe', stopTimeoutMs: 300, restartDelayMs: 50, log });
    const exits: WorkerExit[] = [];
    a.events.on('exit', (e: WorkerExit) => exits.push(e));
    let up = false;
    a.events.on('spawn', ({ child }) => child.stdout.once('data', () => (up = true)));
    try {
      await a.scale(role, 1);
      await until('its SIGTERM handler', async () => (up ? true : undefined));
      await a.scale(role, 0);
      const exit = await until('the exit', async () => exits[0]);
      expect(exit).to.include({ signal: 'SIGKILL', stopped: true });
    } finally {
      await a.close();
    }
  });
});
