import { expect } from 'chai';
import {
  buildSignedUrl,
  buildUnsignedUrl,
  canonicalForm,
  canonicalQuery,
  parseSignedPath,
  signRequest,
  verifySignature,
} from '../../rig/sign.ts';
import { nodeSignature, rejection } from './_helpers.ts';

// The vectors of docs/signing.md: canonical strings written by hand, signatures from node:crypto.
const vectors = [
  {
    request: { graph: 'gradientmap', ext: 'jpg', params: { srgb: true, input: 'https://a.com/b.jpg', color1: '#0A2A2F' } },
    canonical: 'gradientmap.jpg\ncolor1=%230A2A2F&input=https%3A%2F%2Fa.com%2Fb.jpg&srgb=true',
    signature: 'hvLKlR1gM55P29_26d-MFF0ZFSqczq_6PNHXndFoxKA',
  },
  {
    request: { graph: 'noop' },
    canonical: 'noop\n',
    signature: 'HjHuXNh_gAvSEgbSZhFxcDlPZYHAHIEuVrNmLrZhaf0',
  },
  {
    request: {
      graph: 'passthrough',
      ext: 'webp',
      params: [['text', "it's a (b)* c!"], ['tag', 'b'], ['tag', 'a'], ['emoji', 'é☃'], ['expires', 1700000000]] as const,
    },
    canonical: 'passthrough.webp\nemoji=%C3%A9%E2%98%83&expires=1700000000&tag=a&tag=b&text=it%27s%20a%20%28b%29%2A%20c%21',
    signature: 'zobd2LUE1EAtHzFdLGAkNGZtKI0OetrGhQpvrVebrGI',
  },
];

describe('rig/sign', () => {
  describe('signature vectors', () => {
    for (const { request, canonical, signature } of vectors) {
      it(`signs ${JSON.stringify(canonical)}`, async () => {
        expect(canonicalForm(request.graph, request.ext, request.params)).to.equal(canonical);
        expect(nodeSignature('secret', canonical)).to.equal(signature);
        expect(await signRequest('secret', request)).to.equal(signature);
      });
    }

    it('uses the secret as UTF-8 bytes', async () => {
      const canonical = 'crop.png\nwidth=10';
      expect(await signRequest('sécret ☃', { graph: 'crop', ext: 'png', params: { width: 10 } })).to.equal(nodeSignature('sécret ☃', canonical));
    });

    it('is 43 base64url characters without padding', async () => {
      for (let i = 0; i < 20; i++) {
        const signature = await signRequest(`s${i}`, { graph: 'g', params: { i } });
        expect(signature).to.match(/^[A-Za-z0-9_-]{43}$/);
      }
    });

    it('rejects an empty secret', async () => {
      const error = await rejection(signRequest('', { graph: 'g' }));
      expect(error).to.be.instanceOf(TypeError);
      expect(error.message).to.equal('Expected a non-empty string for secret but received an empty string');
    });
  });

  describe('verifySignature', () => {
    const request = vectors[0].request;
    it('accepts the right signature and refuses any other', async () => {
      const good = vectors[0].signature;
      expect(await verifySignature('secret', request, good)).to.equal(true);
      expect(await verifySignature('secret', request, good.slice(0, -1) + (good.endsWith('A') ? 'B' : 'A'))).to.equal(false);
      expect(await verifySignature('secret', request, good.slice(0, 22))).to.equal(false);
      expect(await verifySignature('secret', request, '')).to.equal(false);
      expect(await verifySignature('other', request, good)).to.equal(false);
      expect(await verifySignature('secret', { ...request, ext: 'png' }, good)).to.equal(false);
    });
  });

  describe('parameter order', () => {
    it('gives one signature whatever the order or container', async () => {
      const forms = [
        { a: '1', b: '2', c: ['x', 'y'] },
        { c: ['y', 'x'], b: 2, a: 1 },
        [['c', 'y'], ['b', '2'], ['c', 'x'], ['a', '1']] as const,
        new URLSearchParams('c=x&b=2&a=1&c=y'),
      ];
      const signatures = await Promise.all(forms.map((params) => signRequest('secret', { graph: 'g', ext: 'png', params })));
      expect(new Set(signatures).size).to.equal(1);
      expect(signatures[0]).to.equal(nodeSignature('secret', 'g.png\na=1&b=2&c=x&c=y'));
    });

    it('sorts by encoded key then encoded value, comparing keys before values', () => {
      // '-' (0x2D) sorts before '=' would, but keys are compared on their own: "a" < "a-b".
      expect(canonicalQuery({ 'a-b': '1', a: 'z', A: '0' })).to.equal('A=0&a=z&a-b=1');
      // Repeated keys: values in encoded order ("%20" < "0" < "a").
      expect(canonicalQuery({ k: ['a', '0', ' '] })).to.equal('k=%20&k=0&k=a');
      // Identical pairs are both kept.
      expect(canonicalQuery([['k', 'v'], ['k', 'v']])).to.equal('k=v&k=v');
    });
  });

  describe('encoding', () => {
    const cases: Array<[string, string]> = [
      ['a b', 'a%20b'],
      ['#hash', '%23hash'],
      ['x&y=z', 'x%26y%3Dz'],
      ['1+1', '1%2B1'],
      ["!'()*", '%21%27%28%29%2A'],
      ['-._~', '-._~'],
      ['/?:@', '%2F%3F%3A%40'],
      ['é', '%C3%A9'],
      ['漢字', '%E6%BC%A2%E5%AD%97'],
      ['😀', '%F0%9F%98%80'],
      ['', ''],
    ];
    for (const [raw, encoded] of cases) {
      it(`encodes ${JSON.stringify(raw)} as ${encoded} in keys and values`, () => {
        expect(canonicalQuery({ [raw || 'empty']: raw })).to.equal(`${raw ? encoded : 'empty'}=${encoded}`);
      });
    }

    it('keeps a value containing & and = apart from two parameters', async () => {
      const one = { graph: 'g', params: { a: '1&b=2' } };
      const two = { graph: 'g', params: { a: '1', b: '2' } };
      expect(canonicalForm(one.graph, undefined, one.params)).to.equal('g\na=1%26b%3D2');
      expect(await signRequest('s', one)).to.not.equal(await signRequest('s', two));
    });

    it('stringifies numbers and booleans and leaves out null and undefined', () => {
      expect(canonicalQuery({ w: 449.4375, n: -3, t: true, f: false, u: undefined, z: null })).to.equal('f=false&n=-3&t=true&w=449.4375');
    });

    it('refuses values it cannot sign', () => {
      expect(() => canonicalQuery({ w: NaN })).to.throw(TypeError, 'Expected a string, finite number or boolean for parameter "w" but received NaN of type number');
      expect(() => canonicalQuery({ o: {} as unknown as string })).to.throw(TypeError, 'parameter "o"');
      expect(() => canonicalQuery({ s: '\ud800' })).to.throw(TypeError, 'well-formed Unicode');
    });

    it('refuses graph names and exts that cannot be a path segment', () => {
      for (const graph of ['', '.', '..', 'a/b', 'a\\b', 'a?b', 'a#b', 'a\nb', 'a\u0000b']) {
        expect(() => canonicalForm(graph, 'png'), JSON.stringify(graph)).to.throw(TypeError, 'for graph');
      }
      for (const ext of ['', 'p.g', 'p g', 'png/']) {
        expect(() => canonicalForm('g', ext), JSON.stringify(ext)).to.throw(TypeError, 'Expected letters and digits for ext');
      }
    });
  });

  describe('buildSignedUrl', () => {
    const base = { server: 'https://img.example.com/', key: 'app1', secret: 'secret' };

    it('builds /graph/<key>/<sig>/<graph>.<ext>?<canonical query>', async () => {
      const url = await buildSignedUrl({ ...base, ...vectors[0].request });
      expect(url).to.equal(`https://img.example.com/graph/app1/${vectors[0].signature}/gradientmap.jpg?color1=%230A2A2F&input=https%3A%2F%2Fa.com%2Fb.jpg&srgb=true`);
    });

    it('leaves out the ext and the ? when there are none', async () => {
      expect(await buildSignedUrl({ ...base, graph: 'noop' })).to.equal(`https://img.example.com/graph/app1/${vectors[1].signature}/noop`);
    });

    it('gives a root-relative URL for an empty server', async () => {
      expect(await buildSignedUrl({ ...base, server: '', graph: 'noop' })).to.equal(`/graph/app1/${vectors[1].signature}/noop`);
    });

    it('encodes the key and graph in the path but signs the graph name', async () => {
      const url = await buildSignedUrl({ ...base, key: 'my key', graph: 'my graph', ext: 'png', params: { x: 1 } });
      const signature = nodeSignature('secret', 'my graph.png\nx=1');
      expect(url).to.equal(`https://img.example.com/graph/my%20key/${signature}/my%20graph.png?x=1`);
    });

    it('accepts a graph name with dots when an ext is given, and refuses it without', async () => {
      const url = await buildSignedUrl({ ...base, graph: 'v1.2-blur', ext: 'png' });
      expect(url).to.match(/\/v1\.2-blur\.png$/);
      const error = await rejection(buildSignedUrl({ ...base, graph: 'v1.2' }));
      expect(error.message).to.equal('Expected an ext for graph "v1.2": its name contains a dot');
      // A dot whose tail is not letters and digits can't be read as an extension: allowed.
      expect(await buildSignedUrl({ ...base, graph: 'v1.2-blur' })).to.match(/\/v1\.2-blur$/);
    });

    it('refuses a bad key', async () => {
      for (const key of ['', 'a/b', '..']) {
        expect((await rejection(buildSignedUrl({ ...base, key, graph: 'g' }))).message).to.contain('for key');
      }
    });

    describe('expires', () => {
      it('adds a signed expires parameter from a Date, in whole seconds', async () => {
        const url = await buildSignedUrl({ ...base, graph: 'g', ext: 'png', params: { w: 10 }, expiresAt: new Date(1700000000999) });
        const canonical = 'g.png\nexpires=1700000000&w=10';
        expect(url).to.equal(`https://img.example.com/graph/app1/${nodeSignature('secret', canonical)}/g.png?expires=1700000000&w=10`);
      });

      it('takes unix seconds, and the same value in params signs the same', async () => {
        const a = await buildSignedUrl({ ...base, graph: 'g', expiresAt: 1700000000 });
        const b = await buildSignedUrl({ ...base, graph: 'g', params: { expires: 1700000000 } });
        expect(a).to.equal(b);
        expect(a).to.not.equal(await buildSignedUrl({ ...base, graph: 'g', expiresAt: 1700000001 }));
      });

      it('refuses expires twice, or a bad time', async () => {
        expect((await rejection(buildSignedUrl({ ...base, graph: 'g', params: { expires: 1 }, expiresAt: 2 }))).message).to.equal('Expected expires in params or expiresAt, not both');
        for (const expiresAt of [1.5, -1, NaN, new Date('nope')]) {
          expect((await rejection(buildSignedUrl({ ...base, graph: 'g', expiresAt }))).message).to.contain('for expiresAt');
        }
      });
    });

    it('round-trips through parseSignedPath and verifySignature, whatever the query order', async () => {
      const params = { input: 'https://a.com/a b.jpg?x=1&y=2', text: 'café & crème', n: [3, 1, 2] };
      const url = new URL(await buildSignedUrl({ ...base, graph: 'my graph.v2', ext: 'webp', params }));
      const parsed = parseSignedPath(url.pathname);
      expect(parsed).to.deep.equal({ key: 'app1', signature: parsed!.signature, graph: 'my graph.v2', ext: 'webp' });
      // A server parses the query it receives; order and '+' for space must not matter.
      const shuffled = new URLSearchParams([...url.searchParams].reverse());
      const query = shuffled.toString();
      expect(query).to.contain('+');
      const request = { graph: parsed!.graph, ext: parsed!.ext, params: new URLSearchParams(query) };
      expect(await verifySignature('secret', request, parsed!.signature)).to.equal(true);
      expect(await verifySignature('secret', { ...request, params: new URLSearchParams(query.replace('n=3', 'n=4')) }, parsed!.signature)).to.equal(false);
    });
  });

  describe('buildUnsignedUrl', () => {
    it('builds /graph/<graph>.<ext>?<canonical query>', () => {
      expect(buildUnsignedUrl({ server: 'http://127.0.0.1:8080', graph: 'crop', ext: 'jpg', params: { y: 2, x: 'a b' } })).to.equal('http://127.0.0.1:8080/graph/crop.jpg?x=a%20b&y=2');
      expect(buildUnsignedUrl({ server: 'http://h/', graph: 'noop' })).to.equal('http://h/graph/noop');
    });
  });

  describe('parseSignedPath', () => {
    const ok: Array<[string, ReturnType<typeof parseSignedPath>]> = [
      ['/graph/k/sig/crop.png', { key: 'k', signature: 'sig', graph: 'crop', ext: 'png' }],
      ['/graph/k/sig/crop', { key: 'k', signature: 'sig', graph: 'crop', ext: undefined }],
      ['/graph/k/sig/my.graph.v2.png', { key: 'k', signature: 'sig', graph: 'my.graph.v2', ext: 'png' }],
      ['/graph/k/sig/a.b-c', { key: 'k', signature: 'sig', graph: 'a.b-c', ext: undefined }],
      ['/graph/k/sig/crop.png?input=/graph/x/y/z.png#frag', { key: 'k', signature: 'sig', graph: 'crop', ext: 'png' }],
      ['/graph/k/sig/crop.jpg#x/y', { key: 'k', signature: 'sig', graph: 'crop', ext: 'jpg' }],
      ['/graph/my%20key/a-_Z9/my%20graph.PNG', { key: 'my key', signature: 'a-_Z9', graph: 'my graph', ext: 'PNG' }],
      // By position: a signature repeated elsewhere in the path is just a graph name (thumbor CVE-2026-53501).
      ['/graph/k/S1G/S1G.png', { key: 'k', signature: 'S1G', graph: 'S1G', ext: 'png' }],
    ];
    for (const [path, expected] of ok) {
      it(`parses ${path}`, () => {
        expect(parseSignedPath(path)).to.deep.equal(expected);
      });
    }

    const bad = [
      '/graph/k/sig/extra/crop.png', // extra segment
      '/graph/k/sig/crop.png/', // trailing slash
      '/graph/k/sig', // missing graph
      '/graph/k/sig/', // empty graph
      '/graph/k//crop.png', // empty signature
      '/graph//sig/crop.png', // empty key
      '/graph/crop.png', // unsigned
      '/graphs/k/sig/crop.png',
      'graph/k/sig/crop.png',
      '//graph/k/sig/crop.png',
      '/graph/k/s%2Big/crop.png', // signature outside base64url
      '/graph/k/sig/a%2Fb.png', // encoded slash in the graph
      '/graph/a%2Fb/sig/crop.png', // encoded slash in the key
      '/graph/k/sig/%E0%A4%A.png', // malformed percent-encoding
      '/graph/k/sig/..', // dot-segment
      '/graph/k/sig/...png', // graph '..' with an ext
      '/graph/k/sig/%2E%2E.png', // the same, percent-encoded
      '/graph/k/sig/a%0Ab.png', // control character
      '',
    ];
    for (const path of bad) {
      it(`refuses ${JSON.stringify(path)}`, () => {
        expect(parseSignedPath(path)).to.equal(null);
      });
    }

    it('refuses a non-string', () => {
      expect(parseSignedPath(undefined as unknown as string)).to.equal(null);
    });
  });
});
