import { expect } from 'chai';
import { breakpoints, generate } from '../../rig/css.ts';
import type { GenerateOptions } from '../../rig/types.ts';
import { nodeSignature, rejection } from './_helpers.ts';
import { base, cover, coverUrl, media } from './_fixtures.ts';

const item = { query: '(max-width: 503px)', selector: '.media, .background', width: 800 };
const loose = (options: Record<string, unknown>) => options as unknown as GenerateOptions;

describe('rig generate', () => {
  describe('validation', () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['block not provided', { ...base, block: null }],
      ['block must have a cover image', { ...base, block: { type: 'media' } }],
      ['block cover image must have a src', { ...base, block: { cover: { width: 1600, height: 900 } } }],
      ['block cover image must have a width', { ...base, block: { cover: { src: cover.src, height: 900 } } }],
      ['block cover image must have a height', { ...base, block: { cover: { src: cover.src, width: 1600 } } }],
      ['block cover image width must be a positive number', { ...base, block: { cover: { ...cover, width: 0 } } }],
      ['block cover image height must be a positive number', { ...base, block: { cover: { ...cover, height: '900' } } }],
      ['imgflow config not provided', { ...base, config: null }],
      ['imgflow config must contain a "server" key', { ...base, config: { key: 'k', secret: 's' } }],
      ['imgflow config must contain a "key" key', { ...base, config: { server: '', secret: 's' } }],
      ['imgflow config must contain a "secret" key', { ...base, config: { server: '', key: 'k' } }],
      ['imgflow graph name not provided', { ...base, graph: null }],
      ['query items not provided', { ...base, items: undefined }],
      ['media query not provided', { ...base, items: [{ selector: '.a', width: 800 }] }],
      ['selector not provided', { ...base, items: [{ query: '(max-width: 503px)', width: 800 }] }],
      ['width or height not provided', { ...base, items: [{ query: '(max-width: 503px)', selector: '.a' }] }],
      ['width or height must be provided, but not both', { ...base, graph: 'gaussianblur', items: [{ ...item, height: 450 }] }],
      ['width must be a positive number', { ...base, items: [{ ...item, width: -5 }] }],
      ['height must be a positive number', { ...base, items: [{ query: 'q', selector: 's', height: Infinity }] }],
    ];
    for (const [message, options] of cases) {
      it(`rejects with "${message}"`, async () => {
        const error = await rejection(generate(loose({ items: [item], ...options })));
        expect(error.message).to.equal(message);
      });
    }

    it('rejects with "block not provided" when called without options', async () => {
      expect((await rejection(generate(undefined as unknown as GenerateOptions))).message).to.equal('block not provided');
    });
  });

  describe('sizes larger than the original', () => {
    it('uses the original size for a larger width', async () => {
      const css = await generate({ ...base, items: [{ ...item, width: 1920 }] });
      expect(css).to.equal(media('(max-width: 503px)', '.media, .background', await coverUrl(1600, 900)));
    });

    it('uses the original size for a larger height, and for an equal width', async () => {
      const css = await generate({ ...base, items: [{ query: 'q', selector: 's', height: 1200 }, { query: 'r', selector: 's', width: 1600 }] });
      const original = await coverUrl(1600, 900);
      expect(css).to.equal(`${media('q', 's', original)}\n\n${media('r', 's', original)}`);
    });
  });

  describe('with valid items', () => {
    const two = (first: object, second: object) => [
      { query: '(max-width: 503px)', selector: '.media, .background', ...first },
      { query: '(min-width: 504px) and (max-width: 1007px)', selector: '.media, .background', ...second },
    ];
    const expected = async (options?: Parameters<typeof coverUrl>[2]) =>
      `${media('(max-width: 503px)', '.media, .background', await coverUrl(400, 225, options))}\n\n` +
      media('(min-width: 504px) and (max-width: 1007px)', '.media, .background', await coverUrl(800, 450, options));

    it('generates media queries from widths', async () => {
      expect(await generate({ ...base, items: two({ width: 400 }, { width: 800 }) })).to.equal(await expected());
    });

    it('generates media queries from heights', async () => {
      expect(await generate({ ...base, items: two({ height: 225 }, { height: 450 }) })).to.equal(await expected());
    });

    it('generates media queries from a mixture of widths and heights', async () => {
      expect(await generate({ ...base, items: two({ width: 400 }, { height: 450 }) })).to.equal(await expected());
    });

    it('passes graph params, with input, width and height set by rig', async () => {
      const params = { 'std-dev-x': 15, 'std-dev-y': 15, width: 5, input: 'ignored' };
      const css = await generate({ ...base, graph: 'gaussianblur', params, items: two({ width: 400 }, { height: 450 }) });
      expect(css).to.equal(await expected({ graph: 'gaussianblur', params: { 'std-dev-x': 15, 'std-dev-y': 15 } }));
    });

    it('writes the exact signed URL (independent check with node:crypto)', async () => {
      const css = await generate({ ...base, items: [{ query: 'q', selector: 's', width: 400 }] });
      const query = 'height=225&input=https%3A%2F%2Fa.com%2Fb.png&width=400';
      const signature = nodeSignature('secret', `passthrough.png\n${query}`);
      expect(css).to.equal(media('q', 's', `https://imgflow.example.com/graph/key/${signature}/passthrough.png?${query}`));
    });

    it('rounds scaled sizes to whole pixels', async () => {
      // 1000 / (1600 / 900) = 562.5 and 333 * 16 / 9 = 592
      const css = await generate({ ...base, items: [{ query: 'q', selector: 's', width: 1000 }, { query: 'r', selector: 's', height: 333 }] });
      expect(css).to.equal(`${media('q', 's', await coverUrl(1000, 563))}\n\n${media('r', 's', await coverUrl(592, 333))}`);
    });

    it('takes the ext from the option, else from the cover (jpeg as jpg), else none', async () => {
      const one = [{ query: 'q', selector: 's', width: 400 }];
      expect(await generate({ ...base, ext: 'webp', items: one })).to.equal(media('q', 's', await coverUrl(400, 225, { ext: 'webp' })));
      const jpeg = { cover: { ...cover, src: 'https://a.com/photo.JPEG?v=2' } };
      expect(await generate({ ...base, block: jpeg, items: one })).to.equal(media('q', 's', await coverUrl(400, 225, { ext: 'jpg', src: jpeg.cover.src })));
      const bare = { cover: { ...cover, src: 'https://a.com/image' } };
      expect(await generate({ ...base, block: bare, items: one })).to.equal(media('q', 's', await coverUrl(400, 225, { ext: undefined, src: bare.cover.src })));
    });

    it('returns an empty string for no items', async () => {
      expect(await generate({ ...base, items: [] })).to.equal('');
    });
  });
});

describe('rig breakpoints', () => {
  const options = { ...base, property: 'width' as const, selector: '.background' };

  describe('validation', () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['block not provided', { block: undefined }],
      ['imgflow config not provided', { config: undefined }],
      ['imgflow graph name not provided', { graph: undefined }],
      ['property not provided', { property: null }],
      ['invalid property provided', { property: 'widt' }],
      ['selector not provided', { selector: null }],
      ['breakpoints not provided', { breakpoints: null }],
      ['each breakpoint must be a positive number', { breakpoints: [800, 'x'] }],
    ];
    for (const [message, override] of cases) {
      it(`rejects with "${message}"`, async () => {
        const error = await rejection(breakpoints({ ...options, breakpoints: [800, 1200], ...override } as never));
        expect(error.message).to.equal(message);
      });
    }
  });

  const threeWidths = async () =>
    [
      media('(max-width: 799px)', '.background', await coverUrl(799, 449)),
      media('(min-width: 800px) and (max-width: 1199px)', '.background', await coverUrl(1199, 674)),
      media('(min-width: 1200px)', '.background', await coverUrl(1200, 675)),
    ].join('\n\n');

  it('generates N + 1 width queries (length 2)', async () => {
    expect(await breakpoints({ ...options, breakpoints: [800, 1200] })).to.equal(await threeWidths());
  });

  it('generates height queries', async () => {
    const css = await breakpoints({ ...options, property: 'height', breakpoints: [300, 600] });
    expect(css).to.equal(
      [
        media('(max-height: 299px)', '.background', await coverUrl(532, 299)),
        media('(min-height: 300px) and (max-height: 599px)', '.background', await coverUrl(1065, 599)),
        media('(min-height: 600px)', '.background', await coverUrl(1067, 600)),
      ].join('\n\n'),
    );
  });

  it('sorts unsorted breakpoints without touching the caller\'s array', async () => {
    const list = [1200, 800];
    expect(await breakpoints({ ...options, breakpoints: list })).to.equal(await threeWidths());
    expect(list).to.deep.equal([1200, 800]);
  });

  it('drops duplicate breakpoints', async () => {
    expect(await breakpoints({ ...options, breakpoints: [800, 1200, 800] })).to.equal(await threeWidths());
  });

  it('generates two queries for one breakpoint', async () => {
    const css = await breakpoints({ ...options, breakpoints: [800] });
    expect(css).to.equal(
      `${media('(max-width: 799px)', '.background', await coverUrl(799, 449))}\n\n${media('(min-width: 800px)', '.background', await coverUrl(800, 450))}`,
    );
  });

  it('caps breakpoints above the original at the original size', async () => {
    const css = await breakpoints({ ...options, breakpoints: [800, 2000] });
    const original = await coverUrl(1600, 900);
    expect(css).to.equal(
      [
        media('(max-width: 799px)', '.background', await coverUrl(799, 449)),
        media('(min-width: 800px) and (max-width: 1999px)', '.background', original),
        media('(min-width: 2000px)', '.background', original),
      ].join('\n\n'),
    );
  });

  it('generates the 7 queries for a 2160x1215 cover and [576 ... 2016]', async () => {
    const wide = { cover: { src: 'https://a.com/b.png', width: 2160, height: 1215 } };
    const css = await breakpoints({ ...options, block: wide, breakpoints: [576, 864, 1152, 1440, 1728, 2016] });
    const queries = [
      ['(max-width: 575px)', 575, 323],
      ['(min-width: 576px) and (max-width: 863px)', 863, 485],
      ['(min-width: 864px) and (max-width: 1151px)', 1151, 647],
      ['(min-width: 1152px) and (max-width: 1439px)', 1439, 809],
      ['(min-width: 1440px) and (max-width: 1727px)', 1727, 971],
      ['(min-width: 1728px) and (max-width: 2015px)', 2015, 1133],
      ['(min-width: 2016px)', 2016, 1134],
    ] as const;
    const blocks = await Promise.all(queries.map(async ([query, w, h]) => media(query, '.background', await coverUrl(w, h))));
    expect(css).to.equal(blocks.join('\n\n'));
    expect(css.match(/@media/g)).to.have.length(7);
  });

  it('returns an empty string for no breakpoints', async () => {
    expect(await breakpoints({ ...options, breakpoints: [] })).to.equal('');
  });
});
