/**
 * fbp-protocol's own conformance suite (`fbp-test`) against our runtime. It runs in a child
 * process (its mocha 5, from fbp-protocol's node_modules) with `command: null`, because the
 * runtime is already listening here: no stdout handshake to get wrong, no orphan to kill.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { createRuntime, type Runtime } from '../../runtime/index.ts';
import { attachProtocol, type AttachedProtocol } from '../../ui-protocol/index.ts';
import { loadConfig } from '../../server/config.ts';
import { inputCheckFrom } from '../../server/runtime-options.ts';
import { recordingLogger, TEST_COLLECTION, testComponents } from './_fixtures/test-components.ts';

const require = createRequire(import.meta.url);
const SECRET = 'conformance-secret';

interface MochaJson {
  stats: { tests: number; passes: number; failures: number; pending: number };
  failures: { fullTitle: string; err: { message?: string } }[];
}

function runFbpTest(projectHome: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const suite = require.resolve('fbp-protocol/test/TestWebSocket.js');
  const mocha = require.resolve('fbp-protocol/node_modules/mocha/bin/_mocha');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mocha, suite, '--reporter', 'json'], {
      env: { ...process.env, PROJECT_HOME: projectHome, FBP_PROTOCOL_SECRET: SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('fbp-protocol conformance (fbp-test)', function () {
  this.timeout(120_000);
  let dir: string;
  let runtime: Runtime;
  let server: Server;
  let protocol: AttachedProtocol;
  const { problems, logger } = recordingLogger();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'imgflow-fbp-test-'));
    runtime = await createRuntime({ graphsDir: join(dir, 'graphs'), watch: false });
    server = createServer((_req, res) => res.writeHead(404).end());
    protocol = attachProtocol(server, {
      runtime, path: '/', secrets: { full: SECRET }, runtimeId: 'f18a4924-9d4f-414d-a37c-cd24b39bba10',
      label: 'conformance', packetComponents: testComponents, logger, validateOutput: 'throw',
      inputCheck: inputCheckFrom(loadConfig({ logLevel: 'silent' })),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await writeFile(join(dir, 'fbp-config.json'), JSON.stringify({ name: 'imgflow', command: null, host: '127.0.0.1', port, collection: TEST_COLLECTION, version: '0.7' }));
  });

  after(async () => {
    await protocol?.close();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await runtime?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('passes every test of the suite', async () => {
    const { stdout, stderr } = await runFbpTest(dir);
    const start = stdout.indexOf('\n{');
    const json = stdout.startsWith('{') ? stdout : stdout.slice(start + 1);
    let report: MochaJson;
    try {
      report = JSON.parse(json) as MochaJson;
    } catch {
      throw new Error(`fbp-test printed no JSON report:\n${stdout.slice(0, 2000)}\n${stderr.slice(0, 2000)}`);
    }
    const failed = report.failures.map((f) => `${f.fullTitle}: ${f.err.message ?? ''}`);
    expect(failed, 'failing conformance tests').to.deep.equal([]);
    expect(report.stats.failures).to.equal(0);
    // 22 in fbp-protocol 0.9.8; fewer would mean a hook failed and skipped some.
    expect(report.stats.passes).to.be.at.least(22);
    console.log(`      fbp-test: ${report.stats.passes} passing, ${report.stats.failures} failing`);
    expect(problems, 'runtime warnings and errors').to.deep.equal([]);
  });
});
