/**
 * The `imgflow` command as a user runs it: a child process of bin/imgflow.js, real files,
 * a real server for `serve`.
 */
import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { verifyRequest } from '../server/auth/verify.ts';

const BIN = fileURLToPath(new URL('../bin/imgflow.js', import.meta.url));
const run = promisify(execFile);
const imgflow = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 60_000 });

describe('imgflow (CLI)', function () {
  this.timeout(60_000);
  let dir: string;
  let input: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'imgflow-cli-'));
    input = path.join(dir, 'in.jpg');
    // a sharp white square on black: blurring must soften its edge
    await sharp({ create: { width: 64, height: 48, channels: 3, background: '#000000' } })
      .composite([{ input: { create: { width: 20, height: 20, channels: 3, background: '#ffffff' } }, left: 22, top: 14 }])
      .jpeg({ quality: 95 }).toFile(input);
  });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('run: evaluates a graph on a file and writes the format of the output extension', async () => {
    const out = path.join(dir, 'out.png');
    await imgflow(['run', 'gaussianblur', '--input', input, '--set', 'std-dev-x=4', '--set', 'std-dev-y=4', '-o', out]);
    const meta = await sharp(out).metadata();
    expect(meta).to.include({ format: 'png', width: 64, height: 48 });
    // the edge at x = 22 went from a step (0 -> 255) to a ramp
    const { data } = await sharp(out).greyscale().raw().toBuffer({ resolveWithObject: true });
    const row = 24 * 64;
    expect(data[row + 19]).to.be.above(20);
    expect(data[row + 22]).to.be.below(235);
  });

  it('run: an image parameter (a URL) is fetched and used', async () => {
    const graphs = path.join(dir, 'graphs');
    await mkdir(graphs, { recursive: true });
    await writeFile(path.join(graphs, 'stamp.json'), JSON.stringify({
      properties: { name: 'stamp' },
      inports: { input: { process: 'c', port: 'input' }, stamp: { process: 'c', port: 'aux' } },
      outports: { output: { process: 'c', port: 'output' } },
      processes: { c: { component: 'composite' } },
      connections: [],
    }));
    const stamp = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#ff0000' } }).png().toBuffer();
    const origin = createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(stamp));
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    const out = path.join(dir, 'stamped.png');
    try {
      const url = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/stamp.png`;
      await imgflow(['run', 'stamp', '--graphs', graphs, '--input', input, '--set', `stamp=${url}`, '-o', out]);
    } finally {
      origin.close();
    }
    const { data, info } = await sharp(out).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    // the red stamp sits at the top-left corner, the rest is the black input
    expect([data[0], data[1], data[2]]).to.deep.equal([255, 0, 0]);
    const far = (20 * info.width + 60) * 3;
    expect(data[far]).to.be.below(40);
  });

  it('run: a bad parameter fails with the error code and a non-zero exit', async () => {
    const err = await imgflow(['run', 'gaussianblur', '--input', input, '--set', 'std-dev-x=banana', '-o', path.join(dir, 'x.png')])
      .then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(err, 'the command should fail').to.not.equal(undefined);
    expect(err!.code).to.not.equal(0);
    expect(err!.stderr).to.match(/IMGFLOW_ERR_PARAM_INVALID|std-dev-x/);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) expect((await imgflow([flag])).stdout.trim()).to.equal(pkg.version);
  });

  it('<command> --help prints that command\'s options, for every command', async () => {
    const expected: Record<string, RegExp> = {
      run: /--input <file\|url\|->[\s\S]*--format/,
      graphs: /--json/,
      serve: /environment variables/,
      runtime: /--port/,
      sign: /--secret/,
      'imgflo-url': /IMGFLO_API_KEY/,
      worker: /--queues/,
      autoscale: /--config/,
      upload: /--set <name>/,
    };
    const helps = await Promise.all(Object.keys(expected).map((command) => imgflow([command, '--help'])));
    Object.entries(expected).forEach(([command, pattern], i) => {
      expect(helps[i].stdout, command).to.match(new RegExp(`npx imgflow ${command}`)).and.match(pattern);
    });
    expect((await imgflow(['help', 'sign'])).stdout).to.match(/npx imgflow sign/);
  });

  it('an unknown flag names itself and the command, with its usage, and exits 64', async () => {
    const err = await imgflow(['run', 'gaussianblur', '--bogus', '-o', 'x.png']).then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(err, 'the command should fail').to.not.equal(undefined);
    expect(err!.code).to.equal(64);
    expect(err!.stderr).to.match(/^imgflow run: unknown option --bogus/).and.match(/npx imgflow run <graph>/);
    // not Node's raw parser text
    expect(err!.stderr).to.not.match(/positional argument starting with/);
  });

  it('run: - reads stdin and writes stdout (with --format)', async () => {
    const bytes = await readFile(input);
    const out = await new Promise<{ code: number | null; stdout: Buffer; stderr: string }>((resolveRun, reject) => {
      const child = spawn(process.execPath, [BIN, 'run', 'passthrough', '--input', '-', '--set', 'width=32', '--format', 'png', '-o', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
      const stdout: Buffer[] = [];
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => stdout.push(c));
      child.stderr.on('data', (c: Buffer) => { stderr += c; });
      child.on('error', reject);
      child.on('close', (code) => resolveRun({ code, stdout: Buffer.concat(stdout), stderr }));
      child.stdin.end(bytes);
    });
    expect(out.code, out.stderr).to.equal(0);
    expect(await sharp(out.stdout).metadata()).to.include({ format: 'png', width: 32, height: 24 });
    const err = await imgflow(['run', 'passthrough', '--input', input, '-o', '-']).then(() => undefined, (e: { stderr: string }) => e);
    expect(err?.stderr).to.match(/needs --format/);
  });

  it('graphs: lists the graphs with their parameters', async () => {
    const { stdout } = await imgflow(['graphs']);
    expect(stdout).to.match(/gaussianblur/);
    expect(stdout).to.match(/std-dev-x/);
    expect(stdout).to.match(/resize/);
    // Job-class graphs say so (the others are inline).
    expect(stdout).to.match(/^deepdream .*\[job on deepdream: deepdream\]$/m);
    expect(stdout).to.not.match(/^gaussianblur .*\[job/m);
  });

  it('sign: prints a URL the server would accept', async () => {
    const { stdout } = await imgflow(['sign', 'gaussianblur.png', 'std-dev-x=4', 'input=https://example.com/a.jpg', '--key', 'site', '--secret', 'site-secret-0001', '--server', 'http://img.example']);
    const url = new URL(stdout.trim());
    expect(url.origin).to.equal('http://img.example');
    const [, , key, signature, graphFile] = url.pathname.split('/');
    expect(key).to.equal('site');
    const app = { key: 'site', secrets: ['site-secret-0001'], enabled: true, admin: false, quota: null, imgfloCompat: false, source: 'env' as const };
    const ok = verifyRequest(app, { graph: 'gaussianblur', ext: 'png', rawGraphSegment: graphFile, rawQuery: url.search, signature });
    expect(ok, stdout).to.deep.include({ scheme: 'hmac' });
    const bad = verifyRequest(app, { graph: 'gaussianblur', ext: 'png', rawGraphSegment: graphFile, rawQuery: url.search.replace('std-dev-x=4', 'std-dev-x=5'), signature });
    expect(bad).to.equal(undefined);
  });

  it('serve: starts the server with its V8 flag, answers /healthz, and stops on SIGTERM', async () => {
    const port = 19600 + Math.floor(Math.random() * 300);
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: { ...process.env, PORT: String(port), IMGFLOW_HOST: '127.0.0.1', IMGFLOW_LOG_LEVEL: 'silent', IMGFLOW_CACHE_DIR: path.join(dir, 'cache') },
      stdio: 'ignore',
    });
    try {
      let health: { status?: string } | undefined;
      for (let i = 0; i < 150 && !health; i++) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`);
          if (res.ok) health = await res.json() as { status: string };
        } catch { await new Promise((r) => setTimeout(r, 100)); }
      }
      expect(health).to.include({ status: 'ok' });
      // the server process is a re-exec of imgflow.js with the flag npm start uses
      const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
      expect(pkg.scripts.start).to.include('--initial-old-space-size=128');
      const children = await run('pgrep', ['-P', String(child.pid), '-f', 'initial-old-space-size=128']).then((r) => r.stdout.trim(), () => '');
      expect(children, 'a child process with the flag').to.not.equal('');
    } finally {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).to.equal(0);
    }
    // nothing listens any more
    const after = await fetch(`http://127.0.0.1:${port}/healthz`).then(() => 'up', () => 'down');
    expect(after).to.equal('down');
  });
});


describe('bin/imgflow.js in a checkout pruned to production dependencies (no tsx)', () => {
  let root: string;
  const launcher = () => run(process.execPath, [path.join(root, 'bin/imgflow.js'), 'graphs', '--json'], { timeout: 20_000 });

  beforeEach(async () => {
    // The checkout's layout with nothing installed: bin/cli.ts marks it a checkout.
    root = await mkdtemp(path.join(tmpdir(), 'imgflow-pruned-'));
    await mkdir(path.join(root, 'bin'));
    await writeFile(path.join(root, 'package.json'), JSON.stringify({ type: 'module' }));
    await writeFile(path.join(root, 'bin/imgflow.js'), await readFile(BIN));
    await writeFile(path.join(root, 'bin/cli.ts'), 'throw new Error("the sources ran without tsx");\n');
  });
  afterEach(async () => { await rm(root, { recursive: true, force: true }); });

  it('runs the build in dist/ when tsx is not installed', async () => {
    await mkdir(path.join(root, 'dist/bin'), { recursive: true });
    await writeFile(path.join(root, 'dist/bin/cli.js'), 'console.log("built cli: " + process.argv.slice(2).join(" "));\n');
    const { stdout } = await launcher();
    expect(stdout.trim()).to.equal('built cli: graphs --json');
  });

  it('says what to run when there is neither tsx nor a build', async () => {
    const failure = await launcher().then(() => undefined, (err: { code: number; stderr: string }) => err);
    expect(failure?.code).to.equal(1);
    expect(failure?.stderr).to.contain('dist/ is not built and tsx (a dev dependency) is not installed: run `npm install`');
  });
});
