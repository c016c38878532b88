import { expect } from 'chai';
import { assertCacheKey, cacheKey, canonicalJson, etagFor } from '../../server/cache/key.ts';

const base = {
  graphName: 'gaussianblur',
  graphRevision: 3,
  params: { width: 400, 'std-dev': 3, mode: 'fast' },
  inputIdentity: 'https://example.com/cat.jpg',
  format: 'webp',
};

describe('cache/key', () => {
  describe('cacheKey', () => {
    it('has the shape <graphName>/<sha256 hex>.<ext>', () => {
      expect(cacheKey(base)).to.match(/^gaussianblur\/[0-9a-f]{64}\.webp$/);
    });

    it('does not depend on parameter order, at any depth', () => {
      const reordered = { ...base, params: { mode: 'fast', 'std-dev': 3, width: 400 } };
      expect(cacheKey(reordered)).to.equal(cacheKey(base));
      const a = cacheKey({ ...base, params: { crop: { x: 1, y: 2 }, list: [1, 2] } });
      const b = cacheKey({ ...base, params: { list: [1, 2], crop: { y: 2, x: 1 } } });
      expect(a).to.equal(b);
    });

    it('ignores undefined parameters (unset means default)', () => {
      expect(cacheKey({ ...base, params: { ...base.params, extra: undefined } })).to.equal(cacheKey(base));
    });

    it('changes with the graph revision, any parameter, the input and the format', () => {
      const key = cacheKey(base);
      expect(cacheKey({ ...base, graphRevision: 4 })).to.not.equal(key);
      expect(cacheKey({ ...base, params: { ...base.params, width: 401 } })).to.not.equal(key);
      expect(cacheKey({ ...base, params: { ...base.params, width: '400' } })).to.not.equal(key, 'params must be coerced before keying');
      expect(cacheKey({ ...base, inputIdentity: 'https://example.com/dog.jpg' })).to.not.equal(key);
      expect(cacheKey({ ...base, inputIdentity: undefined })).to.not.equal(key);
      expect(cacheKey({ ...base, format: 'png' })).to.match(/\.png$/);
    });

    it('treats jpg and jpeg as one format with the .jpg extension', () => {
      const jpeg = cacheKey({ ...base, format: 'jpeg' });
      expect(jpeg).to.match(/\.jpg$/);
      expect(cacheKey({ ...base, format: 'JPG' })).to.equal(jpeg);
    });

    it('rejects graph names and formats that are not safe key parts', () => {
      for (const graphName of ['../etc', '', '.hidden', 'a/b/../c', 'a\\b']) {
        expect(() => cacheKey({ ...base, graphName }), graphName).to.throw().with.property('code', 'IMGFLOW_ERR_CACHE_KEY_INVALID');
      }
      expect(() => cacheKey({ ...base, format: 'we/bp' })).to.throw().with.property('code', 'IMGFLOW_ERR_CACHE_KEY_INVALID');
    });
  });

  describe('assertCacheKey', () => {
    const bad = ['', '/abs/x.png', '../x.png', 'g/../../x.png', 'g/./x.png', 'g//x.png', 'g/', 'g\\x.png', 'g/x\0.png', 'C:\\x', '.tmp/x', `g/${'a'.repeat(201)}`];
    for (const key of bad) {
      it(`rejects ${JSON.stringify(key)}`, () => {
        expect(() => assertCacheKey(key)).to.throw().with.property('code', 'IMGFLOW_ERR_CACHE_KEY_INVALID');
      });
    }
    it('accepts what cacheKey makes', () => {
      expect(() => assertCacheKey(cacheKey(base))).to.not.throw();
    });
  });

  describe('etagFor', () => {
    it('is a quoted strong tag that follows the content', () => {
      const a = etagFor(Buffer.from('abc'));
      expect(a).to.match(/^"[A-Za-z0-9_-]{43}"$/);
      expect(etagFor(Buffer.from('abc'))).to.equal(a);
      expect(etagFor(Buffer.from('abd'))).to.not.equal(a);
    });
  });

  it('canonicalJson sorts keys and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: [3, { d: 1, c: 2 }] })).to.equal('{"a":[3,{"c":2,"d":1}],"b":1}');
  });
});
