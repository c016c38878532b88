import { expect } from 'chai';
import { buildImgfloUrl, imgfloToken } from '../../rig/sign.ts';

// Vectors published in imgflo-url 1.2.0's spec/imgflo-url.coffee (https://github.com/imgflo/imgflo-url).
const config = { server: 'https://imgflo.herokuapp.com/', key: 'key', secret: 'secret' };
const gradient = { color1: '#0A2A2F', color2: '#FDE7A0', srgb: true };

describe('imgflo-url compatibility', () => {
  describe('imgfloToken', () => {
    it('is md5(graph + query + secret) for the noop.gif vector', () => {
      expect(imgfloToken('noop.gif', '?input=https%3A%2F%2Fa.com%2Fb.gif', 'secret')).to.equal('408ff9579217fc27ec7472b8de5e8c3b');
    });

    it('reproduces the gradientmap vector', () => {
      const query = '?color1=%230A2A2F&color2=%23FDE7A0&input=https%3A%2F%2Fpbs.twimg.com%2Fmedia%2FBlM0d2-CcAAT9ic.jpg%3Alarge&srgb=true';
      expect(imgfloToken('gradientmap.jpg', query, 'secret')).to.equal('49467a1d8a94cf6c8350841299ecfb56');
    });
  });

  describe('buildImgfloUrl', () => {
    it('turns a GIF input into the noop graph with only input', () => {
      expect(buildImgfloUrl(config, 'passthrough', { input: 'https://a.com/b.gif', width: 100 })).to.equal(
        'https://imgflo.herokuapp.com/graph/key/408ff9579217fc27ec7472b8de5e8c3b/noop.gif?input=https%3A%2F%2Fa.com%2Fb.gif',
      );
    });

    it('sorts keys and takes the format from a twitter-style input', () => {
      // Keys given out of order on purpose.
      expect(buildImgfloUrl(config, 'gradientmap', { srgb: true, input: 'https://pbs.twimg.com/media/BlM0d2-CcAAT9ic.jpg:large', color2: '#FDE7A0', color1: '#0A2A2F' })).to.equal(
        'https://imgflo.herokuapp.com/graph/key/49467a1d8a94cf6c8350841299ecfb56/gradientmap.jpg?color1=%230A2A2F&color2=%23FDE7A0&input=https%3A%2F%2Fpbs.twimg.com%2Fmedia%2FBlM0d2-CcAAT9ic.jpg%3Alarge&srgb=true',
      );
    });

    it('uses an explicit format', () => {
      expect(buildImgfloUrl(config, 'gradientmap', { input: 'https://pbs.twimg.com/media/BlM0d2-CcAAT9ic.jpg:large', ...gradient }, 'png')).to.equal(
        'https://imgflo.herokuapp.com/graph/key/47d2fa8035119a3f038dc2be3756e10d/gradientmap.png?color1=%230A2A2F&color2=%23FDE7A0&input=https%3A%2F%2Fpbs.twimg.com%2Fmedia%2FBlM0d2-CcAAT9ic.jpg%3Alarge&srgb=true',
      );
    });

    it('leaves the extension out when the input has none', () => {
      expect(buildImgfloUrl(config, 'gradientmap', { input: 'https://lh6.ggpht.com/qhLc1KUYP3YpNUtf9MujZVld1ctgsU0_oEEqp6Jkte8hW1UNJqKSm9-ExP-uzyL3r2c=h556', ...gradient })).to.equal(
        'https://imgflo.herokuapp.com/graph/key/36d57f858d35674ca1626a1a57842b3e/gradientmap?color1=%230A2A2F&color2=%23FDE7A0&input=https%3A%2F%2Flh6.ggpht.com%2FqhLc1KUYP3YpNUtf9MujZVld1ctgsU0_oEEqp6Jkte8hW1UNJqKSm9-ExP-uzyL3r2c%3Dh556&srgb=true',
      );
    });

    it('ignores the input query and lowercases the extension', () => {
      expect(buildImgfloUrl(config, 'passthrough', { input: 'https://v.cdn.vine.co/r/videos/B5B06468B91176403722801139712_342c9a1c624.1.5.15775156368984795444.mp4.jpg?versionId=edU_LrAtIFsGvZj.Fgi0Si1bem68tBlk' })).to.equal(
        'https://imgflo.herokuapp.com/graph/key/0256dbdaea357ae9928f19c50d3d088a/passthrough.jpg?input=https%3A%2F%2Fv.cdn.vine.co%2Fr%2Fvideos%2FB5B06468B91176403722801139712_342c9a1c624.1.5.15775156368984795444.mp4.jpg%3FversionId%3DedU_LrAtIFsGvZj.Fgi0Si1bem68tBlk',
      );
      expect(buildImgfloUrl(config, 'passthrough', { input: 'http://1.bp.blogspot.com/-1h8jX1lfGJc/UnlTZ3Fsq6I/AAAAAAAAAOo/dw7IXnJBO5A/s1600/IMG_1722.JPG' })).to.equal(
        'https://imgflo.herokuapp.com/graph/key/e48c2b3866af0e91fb4b1ef4d5399b7d/passthrough.jpg?input=http%3A%2F%2F1.bp.blogspot.com%2F-1h8jX1lfGJc%2FUnlTZ3Fsq6I%2FAAAAAAAAAOo%2Fdw7IXnJBO5A%2Fs1600%2FIMG_1722.JPG',
      );
    });

    it('double-encodes a chained imgflo URL (keeps * as encodeURIComponent does)', () => {
      expect(buildImgfloUrl(config, 'passthrough', { input: 'https://imgflo.herokuapp.com/graph/vahj1ThiexotieMo/5764f83177c27abe632d7dce03e55e6d/noop.jpeg?input=https%3A%2F%2Fcdn-images-1.medium.com%2Fmax%2F1200%2F1*f7gpfegwe5jhpYs_1R_neA.jpeg' })).to.equal(
        'https://imgflo.herokuapp.com/graph/key/6e48078f4a068533f7112dc63c28df9f/passthrough.jpeg?input=https%3A%2F%2Fimgflo.herokuapp.com%2Fgraph%2Fvahj1ThiexotieMo%2F5764f83177c27abe632d7dce03e55e6d%2Fnoop.jpeg%3Finput%3Dhttps%253A%252F%252Fcdn-images-1.medium.com%252Fmax%252F1200%252F1*f7gpfegwe5jhpYs_1R_neA.jpeg',
      );
    });

    it('returns data: and blob: inputs unchanged', () => {
      expect(buildImgfloUrl(config, 'passthrough', { input: 'data:image/gif;base64,R0lGODlhDwAMAL...' })).to.equal('data:image/gif;base64,R0lGODlhDwAMAL...');
      expect(buildImgfloUrl(config, 'passthrough', { input: 'blob:https://a.com/1234' })).to.equal('blob:https://a.com/1234');
    });

    it('maps tif to png', () => {
      expect(buildImgfloUrl(config, 'passthrough', { input: 'https://a.com/b.TIF' })).to.match(/\/passthrough\.png\?input=/);
    });

    it('requires an input', () => {
      expect(() => buildImgfloUrl(config, 'passthrough', {})).to.throw('imgflo params must contain an "input" key');
    });

    it("throws imgflo-url's errors instead of building 'undefinedgraph/...' URLs", () => {
      expect(() => buildImgfloUrl({ key: 'k', secret: 's' } as never, 'passthrough', { input: 'https://a.com/b.png' })).to.throw('imgflo config must contain a "server" key');
      expect(() => buildImgfloUrl(config, undefined as never, { input: 'https://a.com/b.png' })).to.throw('imgflo graph name not provided');
    });
  });
});
