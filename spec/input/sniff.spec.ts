import { expect } from 'chai';
import sharp from 'sharp';
import { sniffFormat } from '../../server/input/sniff.ts';
import { makeSamples, type Sample } from './_origin.ts';

describe('input/sniff', () => {
  let samples: Record<Sample, Buffer>;
  before(async () => {
    samples = await makeSamples(16, 16);
  });

  for (const format of ['jpeg', 'png', 'webp', 'gif', 'avif'] as const) {
    it(`recognises ${format} made by sharp`, () => {
      expect(sniffFormat(samples[format])).to.equal(format);
    });
  }

  it('recognises tiff, both byte orders', async () => {
    const tiff = await sharp(samples.png).tiff().toBuffer();
    expect(sniffFormat(tiff)).to.equal('tiff');
    expect(sniffFormat(Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8]))).to.equal('tiff');
  });

  it('tells heif from avif by the ftyp brands', () => {
    const ftyp = (...brands: string[]) => {
      const body = Buffer.from(brands[0] + '\0\0\0\0' + brands.slice(1).join(''), 'latin1');
      const size = Buffer.alloc(4);
      size.writeUInt32BE(8 + body.length);
      return Buffer.concat([size, Buffer.from('ftyp'), body, Buffer.alloc(16)]);
    };
    expect(sniffFormat(ftyp('heic', 'mif1', 'heic'))).to.equal('heif');
    expect(sniffFormat(ftyp('mif1', 'mif1', 'heic'))).to.equal('heif');
    expect(sniffFormat(ftyp('mif1', 'mif1', 'avif'))).to.equal('avif');
    expect(sniffFormat(ftyp('avis', 'msf1'))).to.equal('avif');
    expect(sniffFormat(ftyp('isom', 'mp41', 'avc1'))).to.equal(undefined); // an mp4 video
  });

  it('recognises svg after a BOM, XML declaration, comments and doctype', () => {
    const svgs = [
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
      '\ufeff  <?xml version="1.0"?>\n<!-- made by hand -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">\n<svg>\n</svg>',
      '<svg\nviewBox="0 0 1 1"></svg>',
    ];
    for (const s of svgs) expect(sniffFormat(Buffer.from(s)), s).to.equal('svg');
    expect(sniffFormat(Buffer.from('<svgfoo/>'))).to.equal(undefined);
    expect(sniffFormat(Buffer.from('<html><svg></svg></html>'))).to.equal(undefined);
  });

  it('returns undefined for what is not an image', () => {
    for (const s of ['', 'hello', '<!doctype html><html></html>', '{"a":1}', 'GIF8', 'RIFF\0\0\0\0WAVE', '%PDF-1.7']) {
      expect(sniffFormat(Buffer.from(s)), s).to.equal(undefined);
    }
    expect(sniffFormat(Buffer.from([0xff, 0xd8]))).to.equal(undefined);
    expect(sniffFormat(Buffer.from([0x89, 0x50, 0x4e, 0x47]))).to.equal(undefined);
  });
});
