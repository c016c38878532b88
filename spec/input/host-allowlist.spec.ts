import { expect } from 'chai';
import { allowlistProblems, hostAllowed, parseAllowlist } from '../../server/input/host-allowlist.ts';
import { loadConfig } from '../../server/config.ts';
import type { ImgflowError } from '../../runtime/errors.ts';

describe('input/host-allowlist', () => {
  it('normalises patterns the way URLs normalise hosts', () => {
    expect(parseAllowlist(' Images.Example.COM. , *.CDN.example.com,bücher.example, ::1, [::2], 2130706433 ')).to.deep.equal([
      'images.example.com', '*.cdn.example.com', 'xn--bcher-kva.example', '::1', '::2', '127.0.0.1',
    ]);
    expect(parseAllowlist(undefined)).to.equal(undefined);
    expect(parseAllowlist(' , ')).to.equal(undefined, 'a blank list is no allowlist');
  });

  it('matches exact hosts, and subdomains at any depth for *.', () => {
    const patterns = parseAllowlist('images.example.com,*.cdn.example.com,::1')!;
    const verdicts = Object.fromEntries(['images.example.com', 'IMAGES.example.com.', 'x.images.example.com', 'cdn.example.com', 'a.cdn.example.com',
      'a.b.cdn.example.com', 'evilcdn.example.com', 'cdn.example.com.evil.net', '[::1]', '::1', '[::2]'].map((h) => [h, hostAllowed(h, patterns)]));
    expect(verdicts).to.deep.equal({
      'images.example.com': true,
      'IMAGES.example.com.': true,
      'x.images.example.com': false,
      'cdn.example.com': false,
      'a.cdn.example.com': true,
      'a.b.cdn.example.com': true,
      'evilcdn.example.com': false,
      'cdn.example.com.evil.net': false,
      '[::1]': true,
      '::1': true,
      '[::2]': false,
    });
  });

  it('refuses patterns that are more than a host, listing each', () => {
    const bad = ['a.com:8080', 'a.com:80', 'http://a.com', 'a.com/x', 'u@a.com', '[::1]:80', 'a*.com', '*.*.a.com', '*.10.0.0.1', 'a b.com'];
    for (const p of bad) expect(allowlistProblems(`ok.com,${p}`), p).to.have.length(1);
    expect(() => parseAllowlist('a.com:8080')).to.throw(/no scheme, port/);
  });

  it('is the IMGFLOW_ALLOWED_SOURCE_HOSTS setting, refused at start when a pattern is bad', () => {
    expect(loadConfig({}, { IMGFLOW_ALLOWED_SOURCE_HOSTS: 'a.com,*.b.com' }).allowedSourceHosts).to.equal('a.com,*.b.com');
    let err: ImgflowError | undefined;
    try {
      loadConfig({}, { IMGFLOW_ALLOWED_SOURCE_HOSTS: 'a.com:8080,https://b.com' });
    } catch (e) {
      err = e as ImgflowError;
    }
    expect(err?.code).to.equal('IMGFLOW_ERR_CONFIG_INVALID');
    expect(err?.details.problems).to.have.length(2);
    expect(err?.message).to.contain('IMGFLOW_ALLOWED_SOURCE_HOSTS: "a.com:8080"');
  });
});
