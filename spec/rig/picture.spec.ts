import { expect } from 'chai';
import { picture } from '../../rig/picture.ts';
import type { PictureOptions } from '../../rig/types.ts';
import { rejection } from './_helpers.ts';
import { base, coverUrl } from './_fixtures.ts';

const amp = (url: string) => url.replace(/&/g, '&amp;');

describe('rig picture', () => {
  it('builds avif, webp and jpeg sources and a jpeg <img> fallback, HTML-escaped', async () => {
    const html = await picture({ ...base, breakpoints: [800, 2000], alt: `A "cat" & <dog's> toy` });
    const set = async (ext: string) => amp(`${await coverUrl(800, 450, { ext })} 800w, ${await coverUrl(1600, 900, { ext })} 1600w`);
    expect(html).to.equal(
      [
        '<picture>',
        `  <source type="image/avif" srcset="${await set('avif')}" sizes="100vw">`,
        `  <source type="image/webp" srcset="${await set('webp')}" sizes="100vw">`,
        `  <source type="image/jpeg" srcset="${await set('jpg')}" sizes="100vw">`,
        `  <img src="${amp(await coverUrl(1600, 900, { ext: 'jpg' }))}" width="1600" height="900" alt="A &quot;cat&quot; &amp; &lt;dog&#39;s&gt; toy">`,
        '</picture>',
      ].join('\n'),
    );
    expect(html).to.not.match(/&(?!amp;|quot;|lt;|gt;|#39;)/);
  });

  it('takes sizes, formats and loading; the last format is the fallback', async () => {
    const html = await picture({ ...base, breakpoints: [400], sizes: '50vw', formats: ['webp', 'png'], loading: 'lazy' });
    expect(html).to.equal(
      [
        '<picture>',
        `  <source type="image/webp" srcset="${amp(await coverUrl(400, 225, { ext: 'webp' }))} 400w" sizes="50vw">`,
        `  <source type="image/png" srcset="${amp(await coverUrl(400, 225, { ext: 'png' }))} 400w" sizes="50vw">`,
        `  <img src="${amp(await coverUrl(1600, 900, { ext: 'png' }))}" width="1600" height="900" alt="" loading="lazy">`,
        '</picture>',
      ].join('\n'),
    );
  });

  it('escapes sizes and the URLs of a hostile cover src', async () => {
    const block = { cover: { src: 'https://a.com/"><script>.png', width: 100, height: 50 } };
    const html = await picture({ ...base, block, breakpoints: [], sizes: '"><x' });
    expect(html).to.not.contain('<script>');
    expect(html).to.not.contain('"><x');
    expect(html).to.contain('sizes="&quot;&gt;&lt;x"');
  });

  describe('validation', () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['block not provided', { block: null }],
      ['block cover image must have a height', { block: { cover: { src: 'x', width: 1 } } }],
      ['imgflow config not provided', { config: undefined }],
      ['imgflow graph name not provided', { graph: undefined }],
      ['breakpoints not provided', { breakpoints: null }],
      ['formats must be a non-empty list of avif, webp, jpg, png', { formats: [] }],
      ['formats must be a non-empty list of avif, webp, jpg, png', { formats: ['gif'] }],
      ['formats must be a non-empty list of avif, webp, jpg, png', { formats: 'avif' }],
    ];
    for (const [message, override] of cases) {
      it(`rejects with "${message}" for ${JSON.stringify(override)}`, async () => {
        const error = await rejection(picture({ ...base, breakpoints: [800], ...override } as unknown as PictureOptions));
        expect(error.message).to.equal(message);
      });
    }
  });
});
