/**
 * imgflow/rig/imgflo against rig 0.4 and imgflo-url 1.2: their published vectors, every rule and
 * error message, and their quirks. Expected URLs are built here with node:crypto's MD5, an
 * implementation independent of rig's.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { breakpoints, generate, imgfloUrl, srcset } from '../../rig/imgflo.ts';

const config = { server: 'https://imgflo.herokuapp.com/', key: 'key', secret: 'secret' };
const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
/** The URL imgflo-url builds for `graphExt` and an already-sorted, encoded query. */
const url = (graphExt: string, query: string, c = config) => `${c.server}graph/${c.key}/${md5(graphExt + query + c.secret)}/${graphExt}${query}`;
const cover = { src: 'https://a.com/b.png', width: 1600, height: 900 };
const block = { cover };
const enc = encodeURIComponent;
const sized = (w: number, h: number, graph = 'passthrough', src = cover.src) => url(`${graph}.png`, `?height=${h}&input=${enc(src)}&width=${w}`);
const media = (query: string, selector: string, u: string) => `@media ${query} {\n  ${selector} {\n    background-image: url('${u}');\n  }\n}`;

describe('imgflow/rig/imgflo (rig 0.4, imgflo-url 1.2)', () => {
  describe('imgfloUrl', () => {
    it("reproduces imgflo-url's published vectors", () => {
      const gradient = { color1: '#0A2A2F', color2: '#FDE7A0', srgb: true };
      const twitter = 'https://pbs.twimg.com/media/BlM0d2-CcAAT9ic.jpg:large';
      expect(imgfloUrl(config, 'gradientmap', { input: twitter, ...gradient })).to.equal('https://imgflo.herokuapp.com/graph/key/49467a1d8a94cf6c8350841299ecfb56/gradientmap.jpg?color1=%230A2A2F&color2=%23FDE7A0&input=https%3A%2F%2Fpbs.twimg.com%2Fmedia%2FBlM0d2-CcAAT9ic.jpg%3Alarge&srgb=true');
      expect(imgfloUrl(config, 'gradientmap', { input: twitter, ...gradient }, 'png')).to.equal('https://imgflo.herokuapp.com/graph/key/47d2fa8035119a3f038dc2be3756e10d/gradientmap.png?color1=%230A2A2F&color2=%23FDE7A0&input=https%3A%2F%2Fpbs.twimg.com%2Fmedia%2FBlM0d2-CcAAT9ic.jpg%3Alarge&srgb=true');
      expect(imgfloUrl(config, 'passthrough', { input: 'https://a.com/b.gif' })).to.equal('https://imgflo.herokuapp.com/graph/key/408ff9579217fc27ec7472b8de5e8c3b/noop.gif?input=https%3A%2F%2Fa.com%2Fb.gif');
      expect(imgfloUrl(config, 'noop', { input: twitter })).to.equal('https://imgflo.herokuapp.com/graph/key/0125cf1fec905afdcf07a2963c907b2d/noop.jpg?input=https%3A%2F%2Fpbs.twimg.com%2Fmedia%2FBlM0d2-CcAAT9ic.jpg%3Alarge');
      expect(imgfloUrl(config, 'gradientmap', { input: 'https://lh6.ggpht.com/qhLc1KUYP3YpNUtf9MujZVld1ctgsU0_oEEqp6Jkte8hW1UNJqKSm9-ExP-uzyL3r2c=h556', ...gradient })).to.equal('https://imgflo.herokuapp.com/graph/key/36d57f858d35674ca1626a1a57842b3e/gradientmap?color1=%230A2A2F&color2=%23FDE7A0&input=https%3A%2F%2Flh6.ggpht.com%2FqhLc1KUYP3YpNUtf9MujZVld1ctgsU0_oEEqp6Jkte8hW1UNJqKSm9-ExP-uzyL3r2c%3Dh556&srgb=true');
      expect(imgfloUrl(config, 'passthrough', { input: 'http://1.bp.blogspot.com/-1h8jX1lfGJc/UnlTZ3Fsq6I/AAAAAAAAAOo/dw7IXnJBO5A/s1600/IMG_1722.JPG' })).to.equal('https://imgflo.herokuapp.com/graph/key/e48c2b3866af0e91fb4b1ef4d5399b7d/passthrough.jpg?input=http%3A%2F%2F1.bp.blogspot.com%2F-1h8jX1lfGJc%2FUnlTZ3Fsq6I%2FAAAAAAAAAOo%2Fdw7IXnJBO5A%2Fs1600%2FIMG_1722.JPG');
    });

    it('throws its errors in its order', () => {
      expect(() => imgfloUrl(null, 'g', { input: 'x' })).to.throw('imgflo config object not provided');
      expect(() => imgfloUrl({}, 'g', { input: 'x' })).to.throw('imgflo config must contain a "server" key');
      expect(() => imgfloUrl({ server: 's' }, 'g', { input: 'x' })).to.throw('imgflo config must contain a "key" key');
      expect(() => imgfloUrl({ server: 's', key: 'k' }, 'g', { input: 'x' })).to.throw('imgflo config must contain a "secret" key');
      expect(() => imgfloUrl(config, null, { input: 'x' })).to.throw('imgflo graph name not provided');
      expect(() => imgfloUrl(config, 'g')).to.throw('imgflo params not provided');
      expect(() => imgfloUrl(config, 'g', {})).to.throw('imgflo params must contain an "input" key');
      // Only null and undefined are missing: an empty server or secret is used as it is.
      expect(imgfloUrl({ server: '', key: 'k', secret: '' }, 'g', { input: 'https://a.com/b.png' })).to.equal(`graph/k/${md5('g.png?input=https%3A%2F%2Fa.com%2Fb.png')}/g.png?input=https%3A%2F%2Fa.com%2Fb.png`);
    });

    it('returns data: and blob: inputs unchanged', () => {
      expect(imgfloUrl(config, 'g', { input: 'data:image/gif;base64,R0lGOD' })).to.equal('data:image/gif;base64,R0lGOD');
      expect(imgfloUrl(config, 'g', { input: 'blob:https://a.com/1' })).to.equal('blob:https://a.com/1');
    });

    it('takes the format from the last path segment, cut at ? and :, lowercased; an explicit one is lowercased too', () => {
      expect(imgfloUrl(config, 'g', { input: 'https://a.com/x.gif/b.JPEG?v=a.png' })).to.equal(url('g.jpeg', `?input=${enc('https://a.com/x.gif/b.JPEG?v=a.png')}`));
      expect(imgfloUrl(config, 'g', { input: 'https://a.com/b.png' }, 'WEBP')).to.equal(url('g.webp', `?input=${enc('https://a.com/b.png')}`));
      expect(imgfloUrl(config, 'g', { input: 'https://a.com/b' })).to.equal(url('g', `?input=${enc('https://a.com/b')}`));
      // A query string containing / is split first: its last part names the format.
      expect(imgfloUrl(config, 'g', { input: 'https://a.com/b?x=c/d.png' })).to.match(/\/g\.png\?/);
    });

    it('maps tif to png, and sends gif through noop with only the input', () => {
      expect(imgfloUrl(config, 'g', { input: 'https://a.com/b.TIF', x: 1 })).to.equal(url('g.png', `?input=${enc('https://a.com/b.TIF')}&x=1`));
      expect(imgfloUrl(config, 'g', { input: 'https://a.com/b.png', x: 1 }, 'gif')).to.equal(url('noop.gif', `?input=${enc('https://a.com/b.png')}`));
    });

    it('sorts keys with the default sort and prints numbers as JavaScript does', () => {
      expect(imgfloUrl(config, 'g', { input: 'https://a.com/b.png', width: 449.4375, B: 'x y', a: 1e21 })).to.equal(url('g.png', `?B=x%20y&a=1e%2B21&input=${enc('https://a.com/b.png')}&width=449.4375`));
    });

    it("keeps the protocol-strip quirk: 3 characters are cut, so a bare 'b.png' gets no format", () => {
      expect(imgfloUrl(config, 'g', { input: 'b.png' })).to.equal(url('g', '?input=b.png'));
      expect(imgfloUrl(config, 'g', { input: 'abc.png' })).to.equal(url('g.png', '?input=abc.png'));
      expect(imgfloUrl(config, 'g', { input: 'files/x.jpg' })).to.equal(url('g.jpg', '?input=files%2Fx.jpg'));
    });

    it('uses the server verbatim and refuses a non-string input as JavaScript did', () => {
      expect(imgfloUrl({ ...config, server: 'https://x' }, 'g', { input: 'https://a.com/b.png' })).to.match(/^https:\/\/xgraph\/key\//);
      expect(() => imgfloUrl(config, 'g', { input: 5 })).to.throw(TypeError);
    });
  });

  describe('rig: shared checks, in order', () => {
    const items = [{ query: 'q', selector: 's', width: 400 }];
    const cases: [unknown, string][] = [
      [{ block: null, config, graph: 'g', items }, 'block not provided'],
      [{ block: {}, config, graph: 'g', items }, 'block must have a cover image'],
      [{ block: { cover: { width: 1, height: 1 } }, config, graph: 'g', items }, 'block cover image must have a src'],
      [{ block: { cover: { src: 'a', height: 1 } }, config, graph: 'g', items }, 'block cover image must have a width'],
      [{ block: { cover: { src: 'a', width: 1 } }, config, graph: 'g', items }, 'block cover image must have a height'],
      [{ block, config: null, graph: 'g', items }, 'imgflo config not provided'],
      [{ block, config, graph: undefined, items }, 'imgflo graph name not provided'],
    ];
    for (const [options, message] of cases) {
      it(message, () => {
        expect(() => generate(options as never)).to.throw(message);
        expect(() => breakpoints({ ...(options as object), property: 'width', selector: 's', breakpoints: [1] } as never)).to.throw(message);
        expect(() => srcset({ ...(options as object), breakpoints: [1] } as never)).to.throw(message);
      });
    }
  });

  describe('rig generate', () => {
    it('checks items, then each item when it is reached', () => {
      expect(() => generate({ block, config, graph: 'g' } as never)).to.throw('query items not provided');
      expect(() => generate({ block, config, graph: 'g', items: [{ selector: 's', width: 1 }] } as never)).to.throw('media query not provided');
      expect(() => generate({ block, config, graph: 'g', items: [{ query: 'q', width: 1 }] } as never)).to.throw('selector not provided');
      expect(() => generate({ block, config, graph: 'g', items: [{ query: 'q', selector: 's' }] } as never)).to.throw('width or height not provided');
      expect(() => generate({ block, config, graph: 'g', items: [{ query: 'q', selector: 's', width: 1, height: 1 }] } as never)).to.throw('width or height must be provided, but not both');
      // The first item's URL is built before the second item is checked.
      const bad = [{ query: 'q', selector: 's', width: 400 }, { selector: 's', width: 1 }];
      expect(() => generate({ block, config: { server: 's', key: 'k' }, graph: 'g', items: bad } as never)).to.throw('imgflo config must contain a "secret" key');
      expect(() => generate({ block, config, graph: 'g', items: bad } as never)).to.throw('media query not provided');
    });

    it('sizes by width or height without rounding, falls back to the original, and joins blocks with a blank line', () => {
      const css = generate({ block, config, graph: 'passthrough', items: [
        { query: '(max-width: 503px)', selector: '.media, .background', width: 7 },
        { query: 'b', selector: '.x', height: 450 },
        { query: 'c', selector: '.y', width: 1920 },
        { query: 'd', selector: '.z', height: 1200 },
      ] });
      expect(css).to.equal([
        media('(max-width: 503px)', '.media, .background', sized(7, 3.9375)),
        media('b', '.x', sized(800, 450)),
        media('c', '.y', sized(1600, 900)),
        media('d', '.z', sized(1600, 900)),
      ].join('\n\n'));
    });

    it("writes input, width and height over the caller's params", () => {
      const css = generate({ block, config, graph: 'gaussianblur', params: { 'std-dev-x': 15, width: 5, input: 'evil' }, items: [{ query: 'q', selector: 's', width: 400 }] });
      expect(css).to.equal(media('q', 's', url('gaussianblur.png', `?height=225&input=${enc(cover.src)}&std-dev-x=15&width=400`)));
    });

    it('is synchronous', () => {
      expect(generate({ block, config, graph: 'g', items: [] })).to.equal('');
    });
  });

  describe('rig breakpoints', () => {
    it('checks property, selector and breakpoints', () => {
      const base = { block, config, graph: 'g' };
      expect(() => breakpoints({ ...base, selector: 's', breakpoints: [1] } as never)).to.throw('property not provided');
      expect(() => breakpoints({ ...base, property: 'depth', selector: 's', breakpoints: [1] } as never)).to.throw('invalid property provided');
      expect(() => breakpoints({ ...base, property: 'width', breakpoints: [1] } as never)).to.throw('selector not provided');
      expect(() => breakpoints({ ...base, property: 'width', selector: 's' } as never)).to.throw('breakpoints not provided');
    });

    it('gives N + 1 queries for a 2160x1215 cover, sizes unrounded (323.4375)', () => {
      const big = { cover: { src: 'https://a.com/b.png', width: 2160, height: 1215 } };
      const list = [2016, 576, 1728, 864, 1440, 1152];
      const css = breakpoints({ block: big, config, graph: 'passthrough', property: 'width', selector: '.background', breakpoints: list });
      expect(list, 'sorted in place').to.deep.equal([576, 864, 1152, 1440, 1728, 2016]);
      const at = (w: number) => sized(w, w / (2160 / 1215), 'passthrough', big.cover.src);
      expect(css).to.equal([
        media('(max-width: 575px)', '.background', at(575)),
        media('(min-width: 576px) and (max-width: 863px)', '.background', at(863)),
        media('(min-width: 864px) and (max-width: 1151px)', '.background', at(1151)),
        media('(min-width: 1152px) and (max-width: 1439px)', '.background', at(1439)),
        media('(min-width: 1440px) and (max-width: 1727px)', '.background', at(1727)),
        media('(min-width: 1728px) and (max-width: 2015px)', '.background', at(2015)),
        media('(min-width: 2016px)', '.background', at(2016)),
      ].join('\n\n'));
      expect(css).to.contain('height=323.4375&');
    });

    it('keeps duplicate breakpoints, and sizes by height for the height property', () => {
      const css = breakpoints({ block, config, graph: 'passthrough', property: 'height', selector: 's', breakpoints: [600, 600] });
      expect(css).to.equal([
        media('(max-height: 599px)', 's', sized(599 * (1600 / 900), 599)),
        media('(min-height: 600px) and (max-height: 599px)', 's', sized(599 * (1600 / 900), 599)),
        media('(min-height: 600px)', 's', sized(600 * (1600 / 900), 600)),
      ].join('\n\n'));
    });
  });

  describe('rig srcset', () => {
    it('checks breakpoints', () => {
      expect(() => srcset({ block, config, graph: 'g' } as never)).to.throw('breakpoints not provided');
    });

    it('lists breakpoints below the width ascending, then the original once if any reach it; the list is left alone', () => {
      const list = [1600, 800, 200, 2000];
      const result = srcset({ block, config, graph: 'passthrough', breakpoints: list });
      expect(list).to.deep.equal([1600, 800, 200, 2000]);
      expect(result).to.deep.equal({
        src: sized(1600, 900),
        srcset: `${sized(200, 112.5)} 200w, ${sized(800, 450)} 800w, ${sized(1600, 900)} 1600w`,
      });
      expect(srcset({ block, config, graph: 'passthrough', breakpoints: [400] }).srcset).to.equal(`${sized(400, 225)} 400w`);
    });
  });
});
