import { expect } from 'chai';
import sharp, { type Sharp } from 'sharp';
import { checkImage, jpegFrameSize, orientedSize } from '../../server/input/check-image.ts';
import { ImgflowError } from '../../runtime/errors.ts';
import { rejection } from '../_helpers/rejection.ts';
import { makeSamples, pngWithHeaderSize, type Sample } from './_origin.ts';


describe('input/check-image', () => {
  const maxPixels = 50e6;
  let samples: Record<Sample, Buffer>;
  before(async () => {
    samples = await makeSamples(48, 32);
  });

  for (const format of ['jpeg', 'png', 'webp', 'gif', 'avif'] as const) {
    it(`accepts ${format} and reports its size`, async () => {
      expect(await checkImage(samples[format], { maxPixels })).to.deep.equal({ format, width: 48, height: 32 });
    });
  }

  it('refuses a 20000x20000 PNG on its header, before any decode', async () => {
    const bomb = await pngWithHeaderSize(20000, 20000);
    expect(bomb.length).to.be.below(200);
    const started = performance.now();
    const err = await rejection(checkImage(bomb, { maxPixels }));
    expect(performance.now() - started).to.be.below(500);
    expect(err.code).to.equal('IMGFLOW_ERR_INPUT_TOO_MANY_PIXELS');
    expect(err.statusCode).to.equal(422);
    expect(err.details).to.include({ width: 20000, height: 20000, pixels: 400e6, maxPixels });
    expect(err.message).to.equal('Input image has 400000000 pixels; the limit is 50000000');
  });

  it('counts every frame of an animation against the limit', async () => {
    const frame = (c: string) => sharp({ create: { width: 40, height: 25, channels: 3, background: c } }).png().toBuffer();
    const frames = await Promise.all(['#f00', '#0f0', '#00f'].map(frame));
    const anim = await sharp(frames, { join: { animated: true } }).webp().toBuffer();
    expect(await checkImage(anim, { maxPixels: 3000 })).to.deep.equal({ format: 'webp', width: 40, height: 25, pages: 3 });
    const err = await rejection(checkImage(anim, { maxPixels: 2999 }));
    expect(err.code).to.equal('IMGFLOW_ERR_INPUT_TOO_MANY_PIXELS');
    expect(err.details).to.include({ pages: 3, pixels: 3000 });
  });

  it('answers 415 for bytes that are not an image', async () => {
    const err = await rejection(checkImage(Buffer.from('<!doctype html><title>404</title>'), { maxPixels }));
    expect(err.code).to.equal('IMGFLOW_ERR_INPUT_NOT_IMAGE');
    expect(err.statusCode).to.equal(415);
  });

  it('refuses SVG by default, accepts it when allowed', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="30" height="20"><rect width="30" height="20"/></svg>');
    const err = await rejection(checkImage(svg, { maxPixels }));
    expect(err.code).to.equal('IMGFLOW_ERR_INPUT_NOT_IMAGE');
    expect(err.message).to.match(/svg is not accepted; accepted: jpeg, png/);
    expect(await checkImage(svg, { maxPixels, allowedFormats: ['png', 'svg'] })).to.deep.equal({ format: 'svg', width: 30, height: 20 });
  });

  it('refuses a format left out of allowedFormats', async () => {
    const err = await rejection(checkImage(samples.gif, { maxPixels, allowedFormats: ['jpeg', 'png'] }));
    expect(err.code).to.equal('IMGFLOW_ERR_INPUT_NOT_IMAGE');
    expect(err.details).to.include({ format: 'gif' });
  });

  it('answers 422 for a truncated JPEG', async () => {
    // Cut before the start of scan: the header itself is incomplete.
    const sos = samples.jpeg.indexOf(Buffer.from([0xff, 0xda]));
    expect(sos).to.be.above(100);
    const err = await rejection(checkImage(samples.jpeg.subarray(0, sos - 20), { maxPixels }));
    expect(err.code).to.equal('IMGFLOW_ERR_INPUT_CORRUPT');
    expect(err.statusCode).to.equal(422);
    expect(err.cause).to.be.instanceOf(Error);
  });

  it('answers 422 for a PNG cut inside its header', async () => {
    const err = await rejection(checkImage(samples.png.subarray(0, 20), { maxPixels }));
    expect(err.code).to.equal('IMGFLOW_ERR_INPUT_CORRUPT');
  });
  describe('JPEG frame header read without libvips', () => {
    const variants: Record<string, (s: Sharp) => Sharp> = {
      baseline: (s) => s.jpeg(),
      progressive: (s) => s.jpeg({ progressive: true }),
      'with EXIF orientation and ICC profile': (s) => s.rotate().withMetadata({ orientation: 6 }).jpeg({ mozjpeg: true }),
      'grayscale, 4:4:4': (s) => s.grayscale().jpeg({ chromaSubsampling: '4:4:4' }),
    };
    for (const [name, encode] of Object.entries(variants)) {
      it(`agrees with libvips on the size: ${name}`, async () => {
        const bytes = await encode(sharp({ create: { width: 301, height: 77, channels: 3, background: '#3a6' } })).toBuffer();
        const meta = await sharp(bytes).metadata();
        expect(jpegFrameSize(bytes)).to.deep.equal({ width: meta.width, height: meta.height });
        // The EXIF orientation is read without libvips too, and agrees with it.
        const orientation = meta.orientation !== undefined && meta.orientation > 1 ? { orientation: meta.orientation } : {};
        expect(await checkImage(bytes, { maxPixels })).to.deep.equal({ format: 'jpeg', width: 301, height: 77, ...orientation });
      });
    }

    it('gives the size the graph receives after auto-orientation', async () => {
      const bytes = await sharp({ create: { width: 301, height: 77, channels: 3, background: '#3a6' } }).withMetadata({ orientation: 6 }).jpeg().toBuffer();
      const info = await checkImage(bytes, { maxPixels });
      expect(info.orientation).to.equal(6);
      const decoded = await sharp(bytes, { autoOrient: true }).raw().toBuffer({ resolveWithObject: true });
      expect(orientedSize(info)).to.deep.equal({ width: decoded.info.width, height: decoded.info.height });
      expect(orientedSize(info)).to.deep.equal({ width: 77, height: 301 });
    });

    it('leaves anything but a complete header to libvips', () => {
      const sos = samples.jpeg.indexOf(Buffer.from([0xff, 0xda]));
      expect(jpegFrameSize(samples.jpeg)).to.deep.equal({ width: 48, height: 32 });
      expect(jpegFrameSize(samples.jpeg.subarray(0, sos - 20))).to.equal(undefined);
      expect(jpegFrameSize(samples.jpeg.subarray(0, sos + 3))).to.equal(undefined);
      const noSof = Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02]);
      expect(jpegFrameSize(noSof)).to.equal(undefined);
      const stray = Buffer.concat([samples.jpeg.subarray(0, 2), Buffer.from([0xff, 0xd9]), samples.jpeg.subarray(2)]);
      expect(jpegFrameSize(stray)).to.equal(undefined);
    });

    it('refuses a 30000x30000 JPEG on its frame header', async () => {
      const sof = samples.jpeg.indexOf(Buffer.from([0xff, 0xc0]));
      expect(sof).to.be.above(0);
      const bomb = Buffer.from(samples.jpeg);
      bomb.writeUInt16BE(30000, sof + 5);
      bomb.writeUInt16BE(30000, sof + 7);
      const err = await rejection(checkImage(bomb, { maxPixels }));
      expect(err.code).to.equal('IMGFLOW_ERR_INPUT_TOO_MANY_PIXELS');
      expect(err.details).to.include({ width: 30000, height: 30000, pixels: 900e6, maxPixels });
    });
  });
});
