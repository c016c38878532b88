/** `imgflow imgflo-url`: imgflo-url 1.2's command-line tool, run as a user runs it. */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { imgfloUrlCli, parseMinimist } from '../../bin/imgflo-url.ts';

const bin = fileURLToPath(new URL('../../bin/imgflow.js', import.meta.url));

function run(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, 'imgflo-url', ...args], { env: { PATH: process.env.PATH, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr });
    });
  });
}

describe('imgflow imgflo-url', function () {
  this.timeout(20000);

  it("prints imgflo-url's URL without a newline", async () => {
    const out = await run(['gradientmap', '--input=https://pbs.twimg.com/media/BlM0d2-CcAAT9ic.jpg:large', '--color1=#0A2A2F', '--color2=#FDE7A0', '--srgb=true'], { IMGFLO_API_KEY: 'key', IMGFLO_API_SECRET: 'secret' });
    expect(out).to.deep.equal({
      code: 0,
      stderr: '',
      stdout: 'https://imgflo.herokuapp.com/graph/key/49467a1d8a94cf6c8350841299ecfb56/gradientmap.jpg?color1=%230A2A2F&color2=%23FDE7A0&input=https%3A%2F%2Fpbs.twimg.com%2Fmedia%2FBlM0d2-CcAAT9ic.jpg%3Alarge&srgb=true',
    });
  });

  it('writes ERROR: and exits 1 when the key is empty', async () => {
    const out = await run(['passthrough', '--input=http://example.com/foo.png'], { IMGFLO_API_KEY: '', IMGFLO_API_SECRET: 'secret' });
    expect(out).to.deep.equal({ code: 1, stdout: '', stderr: 'ERROR: imgflo config must contain a "key" key\n' });
  });

  it('reports a missing secret and a missing input', () => {
    expect(imgfloUrlCli(['passthrough', '--input=x'], { IMGFLO_API_KEY: 'k' }).stderr).to.equal('ERROR: imgflo config must contain a "secret" key\n');
    expect(imgfloUrlCli(['passthrough'], { IMGFLO_API_KEY: 'k', IMGFLO_API_SECRET: 's' }).stderr).to.equal('ERROR: imgflo params must contain an "input" key\n');
  });

  it('takes IMGFLO_API_SERVER verbatim', () => {
    const out = imgfloUrlCli(['g', '--input=https://a.com/b.png'], { IMGFLO_API_KEY: 'k', IMGFLO_API_SECRET: 's', IMGFLO_API_SERVER: 'http://127.0.0.1:8080/' });
    expect(out.stdout).to.match(/^http:\/\/127\.0\.0\.1:8080\/graph\/k\/[0-9a-f]{32}\/g\.png\?input=/);
  });

  it('reads arguments as minimist does', () => {
    const { _, options } = parseMinimist(['g', '--a=1e3', '--b', 'x', '--c', '--no-d', '--e=1', '--e=2', '--f=0x10', '--g=#fff', '--', '--h']);
    expect(_).to.deep.equal(['g', '--h']);
    expect(Object.fromEntries(options)).to.deep.equal({ a: 1000, b: 'x', c: true, d: false, e: [1, 2], f: 16, g: '#fff' });
  });
});
