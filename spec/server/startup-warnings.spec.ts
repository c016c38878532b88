import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../../server/config.ts';
import { isLoopbackBind, startupWarnings } from '../../server/startup-warnings.ts';

const codes = (overrides: Partial<Config>, open: boolean) => startupWarnings(loadConfig(overrides, {}), { open }).map((w) => w.code);

describe('server/startup-warnings', () => {
  it('tells loopback binds from the rest', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', 'app.localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackBind(h), h).to.equal(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'example.com', '::ffff:10.0.0.1', '']) expect(isLoopbackBind(h), h).to.equal(false);
  });

  it('warns of open mode on a non-loopback bind (the default 0.0.0.0)', () => {
    expect(codes({}, true)).to.deep.equal(['OPEN_MODE_EXPOSED']);
    expect(codes({ allowUnsigned: true }, false)).to.deep.equal(['OPEN_MODE_EXPOSED'], 'IMGFLOW_ALLOW_UNSIGNED serves unsigned requests too');
    expect(codes({}, false)).to.deep.equal([]);
  });

  it('warns of private sources on a non-loopback bind even when requests are signed', () => {
    expect(codes({ allowPrivateSources: true }, false)).to.deep.equal(['PRIVATE_SOURCES_EXPOSED']);
    expect(codes({ allowPrivateSources: true, allowedSourceHosts: 'images.internal' }, false)).to.deep.equal([], 'an allowlist bounds what can be reached');
  });

  it('gives one worst warning for open mode and private sources together, naming every fix', () => {
    const [w, ...rest] = startupWarnings(loadConfig({ host: '::', allowPrivateSources: true }, {}), { open: true });
    expect(rest).to.deep.equal([]);
    expect(w.code).to.equal('OPEN_MODE_PRIVATE_SOURCES_EXPOSED');
    expect(w.message).to.contain('IMGFLOW_HOST=:: is not loopback').and.contain('fetch internal addresses');
    for (const setting of ['IMGFLOW_ALLOW_PRIVATE_SOURCES', 'IMGFLOW_HOST=127.0.0.1', 'IMGFLOW_KEY', 'IMGFLOW_APPS_FILE', 'IMGFLOW_ALLOWED_SOURCE_HOSTS']) {
      expect(w.fixes.join('\n')).to.contain(setting);
    }
  });

  it('says nothing on a loopback bind, whatever else is set', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1']) expect(codes({ host, allowPrivateSources: true, allowUnsigned: true }, true), host).to.deep.equal([]);
  });

  it('is logged by the real server at start', async function () {
    this.timeout(20_000);
    // 192.0.2.1 (TEST-NET-1) is on no interface here: the server logs its start-up warnings,
    // then listen() fails with EADDRNOTAVAIL, so nothing is ever exposed by this test.
    const env: NodeJS.ProcessEnv = { ...process.env, IMGFLOW_HOST: '192.0.2.1', PORT: '0', IMGFLOW_ALLOW_PRIVATE_SOURCES: '1', IMGFLOW_CACHE_STORE: 'none', IMGFLOW_LOG_LEVEL: 'info' };
    for (const name of ['IMGFLOW_KEY', 'IMGFLOW_SECRET', 'IMGFLOW_ADMIN_KEY', 'IMGFLOW_ADMIN_SECRET', 'IMGFLOW_APPS_FILE', 'IMGFLOW_ALLOW_UNSIGNED', 'IMGFLOW_ALLOWED_SOURCE_HOSTS', 'IMGFLOW_RUNTIME_SECRET', 'IMGFLOW_RUNTIME_READ_SECRET']) delete env[name];
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../server/main.ts', import.meta.url))], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.resume();
    const code = await new Promise((resolve) => child.on('exit', resolve));
    const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string; warning?: string; fixes?: string[] });
    const warning = lines.find((l) => l.warning === 'OPEN_MODE_PRIVATE_SOURCES_EXPOSED');
    expect(warning, out).to.not.equal(undefined);
    expect(warning!.level).to.equal(40, 'logged at warn');
    expect(warning!.msg).to.match(/^UNSAFE CONFIGURATION: IMGFLOW_HOST=192\.0\.2\.1 is not loopback/).and.contain('Fixes: unset IMGFLOW_ALLOW_PRIVATE_SOURCES');
    expect(code).to.not.equal(0, 'listen on an address of no interface fails');
  });
});
