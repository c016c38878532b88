import { expect } from 'chai';
import { srcset } from '../../rig/srcset.ts';
import type { SrcsetOptions } from '../../rig/types.ts';
import { rejection } from './_helpers.ts';
import { base, cover, coverUrl } from './_fixtures.ts';

describe('rig srcset', () => {
  const src = () => coverUrl(1600, 900);

  describe('validation', () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['block not provided', { block: null }],
      ['block must have a cover image', { block: {} }],
      ['block cover image must have a src', { block: { cover: { width: 1, height: 1 } } }],
      ['imgflow config not provided', { config: null }],
      ['imgflow graph name not provided', { graph: null }],
      ['breakpoints not provided', { breakpoints: undefined }],
      ['breakpoints must be a list of numbers', { breakpoints: 800 }],
      ['each breakpoint must be a positive number', { breakpoints: [0] }],
    ];
    for (const [message, override] of cases) {
      it(`rejects with "${message}"`, async () => {
        const error = await rejection(srcset({ ...base, breakpoints: [800], ...override } as unknown as SrcsetOptions));
        expect(error.message).to.equal(message);
      });
    }
  });

  it('lists breakpoints below the width, sorted, without the original', async () => {
    const result = await srcset({ ...base, breakpoints: [800, 400] });
    expect(result).to.deep.equal({ src: await src(), srcset: `${await coverUrl(400, 225)} 400w, ${await coverUrl(800, 450)} 800w` });
  });

  it('adds the original once for a breakpoint equal to the width', async () => {
    const result = await srcset({ ...base, breakpoints: [400, 1600] });
    expect(result.srcset).to.equal(`${await coverUrl(400, 225)} 400w, ${await src()} 1600w`);
  });

  it('adds the original once for a breakpoint larger than the width', async () => {
    const result = await srcset({ ...base, breakpoints: [2000, 400] });
    expect(result.srcset).to.equal(`${await coverUrl(400, 225)} 400w, ${await src()} 1600w`);
  });

  it('handles a mix of smaller, equal and larger breakpoints, and duplicates', async () => {
    const list = [2000, 800, 1600, 400, 3000, 800];
    const result = await srcset({ ...base, breakpoints: list });
    expect(result.srcset).to.equal(`${await coverUrl(400, 225)} 400w, ${await coverUrl(800, 450)} 800w, ${await src()} 1600w`);
    expect(list).to.deep.equal([2000, 800, 1600, 400, 3000, 800]);
  });

  it('gives only the original when every breakpoint is at or above the width', async () => {
    expect((await srcset({ ...base, breakpoints: [1600, 1920] })).srcset).to.equal(`${await src()} 1600w`);
  });

  it('gives an empty srcset for no breakpoints', async () => {
    expect(await srcset({ ...base, breakpoints: [] })).to.deep.equal({ src: await src(), srcset: '' });
  });

  it('rounds breakpoints to whole pixels in the URL and the descriptor', async () => {
    expect((await srcset({ ...base, breakpoints: [400.6] })).srcset).to.equal(`${await coverUrl(401, 225)} 401w`);
  });

  it('never repeats a width descriptor after rounding', async () => {
    const result = await srcset({ ...base, breakpoints: [400.2, 399.8, 1599.7, 1700] });
    expect(result.srcset).to.equal(`${await coverUrl(400, 225)} 400w, ${await src()} 1600w`);
  });

  it('returns sizes when given, with graph params and ext', async () => {
    const result = await srcset({ ...base, graph: 'gaussianblur', ext: 'webp', params: { 'std-dev-x': 3 }, breakpoints: [400], sizes: '(max-width: 600px) 100vw, 50vw' });
    const options = { graph: 'gaussianblur', ext: 'webp', params: { 'std-dev-x': 3 } };
    expect(result).to.deep.equal({
      src: await coverUrl(1600, 900, options),
      srcset: `${await coverUrl(400, 225, options)} 400w`,
      sizes: '(max-width: 600px) 100vw, 50vw',
    });
  });

  it('keeps the cover untouched', async () => {
    await srcset({ ...base, breakpoints: [400] });
    expect(cover).to.deep.equal({ src: 'https://a.com/b.png', width: 1600, height: 900 });
  });
});
