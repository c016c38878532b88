/**
 * Every sharp-backed operation run through the real runtime, checked against sharp doing the
 * same thing directly, or against pixel values computed by hand.
 */
import { expect } from 'chai';
import sharp, { type Sharp } from 'sharp';
import { maxDiff, pixels, solid, testPng, noiseRaw, pngOf } from '../_helpers/images.ts';
import { chainGraph, runGraph, singleNodeGraph } from '../_helpers/graphs.ts';

async function opOutput(component: string, iips: Record<string, unknown>, input: Buffer) {
  const result = await runGraph(singleNodeGraph(component, iips), input, 'png');
  return pixels(result.bytes);
}

describe('sharp operations against sharp references', () => {
  let input: Buffer;
  before(async () => {
    input = await testPng(64, 48);
  });

  const cases: [string, Record<string, unknown>, (s: Sharp) => Sharp][] = [
    ['imgflow/resize', { width: 32 }, (s) => s.resize({ width: 32, withoutEnlargement: true })],
    ['imgflow/resize', { width: 20, height: 20, fit: 'cover' }, (s) => s.resize(20, 20, { fit: 'cover' })],
    ['imgflow/resize', { width: 20, height: 30, fit: 'fill', kernel: 'nearest' }, (s) => s.resize(20, 30, { fit: 'fill', kernel: 'nearest' })],
    ['imgflow/crop', { x: 5, y: 6, width: 20, height: 10 }, (s) => s.extract({ left: 5, top: 6, width: 20, height: 10 })],
    ['imgflow/rotate', { degrees: 90 }, (s) => s.rotate(90)],
    ['imgflow/rotate', { degrees: 30, background: '#ff0000' }, (s) => s.rotate(30, { background: '#ff0000' })],
    ['imgflow/flip', {}, (s) => s.flip()],
    ['imgflow/flop', {}, (s) => s.flop()],
    ['imgflow/gaussian-blur', { 'std-dev-x': 2, 'std-dev-y': 2 }, (s) => s.blur(2)],
    ['imgflow/sharpen', { sigma: 1.5, flat: 1, jagged: 3 }, (s) => s.sharpen({ sigma: 1.5, m1: 1, m2: 3 })],
    ['imgflow/modulate', { brightness: 1.2, saturation: 0.5, hue: 90 }, (s) => s.modulate({ brightness: 1.2, saturation: 0.5, hue: 90 })],
    ['imgflow/grayscale', {}, (s) => s.grayscale()],
    ['imgflow/tint', { color: '#336699' }, (s) => s.tint({ r: 0x33, g: 0x66, b: 0x99 })],
    ['imgflow/negate', {}, (s) => s.negate()],
    ['imgflow/normalize', { lower: 2, upper: 98 }, (s) => s.normalise({ lower: 2, upper: 98 })],
    ['imgflow/threshold', { value: 100 }, (s) => s.threshold(100)],
    ['imgflow/extend', { top: 3, left: 4, background: 'lime' }, (s) => s.extend({ top: 3, left: 4, background: '#00ff00' })],
    ['gegl/crop', { x: 1, y: 2, width: 30, height: 30 }, (s) => s.extract({ left: 1, top: 2, width: 30, height: 30 })],
    // GEGL blurs in linear light (scRGB here).
    ['gegl/gaussian-blur', { 'std-dev-x': 3, 'std-dev-y': 3 }, (s) => s.pipelineColourspace('scrgb').blur(3).toColourspace('srgb')],
  ];

  for (const [component, iips, reference] of cases) {
    it(`${component} ${JSON.stringify(iips)} equals sharp's own result`, async () => {
      const got = await opOutput(component, iips, input);
      // Both sides go through a PNG encode, so channel counts match what clients receive.
      const want = await pixels(await reference(sharp(input)).png().toBuffer());
      expect(maxDiff(got, want)).to.equal(0);
    });
  }
});

describe('sharp operations against known pixel values', () => {
  it('resize never enlarges unless asked', async () => {
    const input = await testPng(40, 30);
    expect((await opOutput('imgflow/resize', { width: 400 }, input)).width).to.equal(40);
    const enlarged = await opOutput('imgflow/resize', { width: 400, enlarge: true }, input);
    expect([enlarged.width, enlarged.height]).to.deep.equal([400, 300]);
  });

  it('gaussian-blur with std-dev-y only leaves rows of vertical stripes untouched', async () => {
    // Every row is identical, so a vertical blur changes nothing and a horizontal one does.
    const w = 40, h = 20, raw = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.fill(x % 8 < 4 ? 0 : 255, (y * w + x) * 3, (y * w + x) * 3 + 3);
    const input = await pngOf(raw, w, h, 3);
    const original = await pixels(input);
    const vertical = await opOutput('imgflow/gaussian-blur', { 'std-dev-x': 0, 'std-dev-y': 4 }, input);
    const horizontal = await opOutput('imgflow/gaussian-blur', { 'std-dev-x': 4, 'std-dev-y': 0 }, input);
    expect(maxDiff(vertical, original)).to.be.at.most(1);
    expect(maxDiff(horizontal, original)).to.be.greaterThan(60);
  });

  it('anisotropic gaussian-blur puts the larger std-dev on its own axis', async () => {
    // Vertical stripes: every row identical, so any vertical blur beyond the common part is invisible.
    const w = 40, h = 20, raw = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.fill(x % 8 < 4 ? 0 : 255, (y * w + x) * 3, (y * w + x) * 3 + 3);
    const stripes = await pngOf(raw, w, h, 3);
    const rotated = await sharp(stripes).rotate(90).png().toBuffer();
    const iso = await opOutput('imgflow/gaussian-blur', { 'std-dev-x': 1, 'std-dev-y': 1 }, stripes);
    const tallOnStripes = await opOutput('imgflow/gaussian-blur', { 'std-dev-x': 1, 'std-dev-y': 4 }, stripes);
    expect(maxDiff(tallOnStripes, iso)).to.be.at.most(1);
    // The same blur on horizontal stripes now acts across them.
    const isoRotated = await opOutput('imgflow/gaussian-blur', { 'std-dev-x': 1, 'std-dev-y': 1 }, rotated);
    const tallOnRotated = await opOutput('imgflow/gaussian-blur', { 'std-dev-x': 1, 'std-dev-y': 4 }, rotated);
    expect(maxDiff(tallOnRotated, isoRotated)).to.be.greaterThan(30);
  });

  it('gamma maps every channel through 255 x (v/255)^value', async () => {
    const input = await solid(4, 4, '#804020');
    const got = await opOutput('imgflow/gamma', { value: 0.5 }, input);
    const expected = [0x80, 0x40, 0x20].map((v) => Math.round(255 * (v / 255) ** 0.5));
    expect([...got.data.subarray(0, 3)]).to.deep.equal(expected);
  });

  it("brightness-contrast follows GEGL's (in - 0.5) x contrast + 0.5 + brightness", async () => {
    const input = await solid(4, 4, '#804020');
    const got = await opOutput('imgflow/brightness-contrast', { contrast: 1.5, brightness: 0.1 }, input);
    const expected = [0x80, 0x40, 0x20].map((v) => Math.max(0, Math.min(255, Math.round(255 * ((v / 255 - 0.5) * 1.5 + 0.5 + 0.1)))));
    for (let c = 0; c < 3; c++) expect(Math.abs(got.data[c] - expected[c])).to.be.at.most(1);
  });

  it('brightness-contrast leaves alpha alone', async () => {
    const input = await solid(4, 4, '#80402080', 4);
    const got = await opOutput('imgflow/brightness-contrast', { contrast: 2, brightness: 0.2 }, input);
    expect(got.channels).to.equal(4);
    expect(got.data[3]).to.equal(0x80);
  });

  it('opacity multiplies alpha, adding an opaque one when missing', async () => {
    const rgb = await opOutput('imgflow/opacity', { value: 0.5 }, await solid(2, 2, '#ff0000'));
    expect(rgb.channels).to.equal(4);
    expect([...rgb.data.subarray(0, 4)]).to.deep.equal([255, 0, 0, 128]);
    const rgba = await opOutput('gegl/opacity', { value: 0.5 }, await solid(2, 2, '#00ff0080', 4));
    expect(rgba.data[3]).to.equal(64);
  });

  it('negate gives 255 - v', async () => {
    const got = await opOutput('imgflow/negate', {}, await solid(2, 2, '#102030'));
    expect([...got.data.subarray(0, 3)]).to.deep.equal([0xef, 0xdf, 0xcf]);
  });

  it('threshold turns pixels white at or above the level', async () => {
    const dark = await opOutput('imgflow/threshold', { value: 128 }, await solid(2, 2, '#202020'));
    const light = await opOutput('imgflow/threshold', { value: 128 }, await solid(2, 2, '#c0c0c0'));
    expect(dark.data[0]).to.equal(0);
    expect(light.data[0]).to.equal(255);
  });

  it('trim removes a uniform border', async () => {
    const inner = await solid(20, 10, '#ff0000');
    const framed = await sharp(inner).extend({ top: 5, bottom: 5, left: 7, right: 7, background: '#ffffff' }).png().toBuffer();
    const got = await opOutput('imgflow/trim', {}, framed);
    expect([got.width, got.height]).to.deep.equal([20, 10]);
  });

  it('extend pads with the background colour', async () => {
    const got = await opOutput('imgflow/extend', { top: 2, bottom: 2, left: 1, right: 1, background: '#0000ff' }, await solid(4, 4, '#ff0000'));
    expect([got.width, got.height]).to.deep.equal([6, 8]);
    expect([...got.data.subarray(0, 3)]).to.deep.equal([0, 0, 255]);
  });

  it('tint in the graph accepts CSS colour names', async () => {
    const byName = await opOutput('imgflow/tint', { color: 'rebeccapurple' }, await testPng(16, 16));
    const byHex = await opOutput('imgflow/tint', { color: '#663399' }, await testPng(16, 16));
    expect(maxDiff(byName, byHex)).to.equal(0);
  });
});

describe('composite (two-image operation)', () => {
  /** input -> split; split -> composite.input; split -> <aux chain> -> composite.aux */
  function twoImageGraph(auxComponent: string, auxIips: Record<string, unknown>, blend: string) {
    return {
      inports: { input: { process: 'split', port: 'input' } },
      outports: { output: { process: 'comp', port: 'output' } },
      processes: { split: { component: 'gegl/nop' }, aux: { component: auxComponent }, comp: { component: 'imgflow/composite' } },
      connections: [
        { src: { process: 'split', port: 'output' }, tgt: { process: 'comp', port: 'input' } },
        { src: { process: 'split', port: 'output' }, tgt: { process: 'aux', port: 'input' } },
        { src: { process: 'aux', port: 'output' }, tgt: { process: 'comp', port: 'aux' } },
        { data: blend, tgt: { process: 'comp', port: 'blend' } },
        ...Object.entries(auxIips).map(([port, data]) => ({ data, tgt: { process: 'aux', port } })),
      ],
    };
  }

  it('over with an opaque aux gives the aux', async () => {
    const input = await testPng(32, 32);
    const got = await runGraph(twoImageGraph('imgflow/negate', {}, 'over'), input, 'png');
    // Compositing always yields RGBA (as GEGL's composers do); compare the colour channels.
    const want = await pixels(await sharp(await sharp(input).negate().png().toBuffer()).ensureAlpha().png().toBuffer());
    expect(maxDiff(await pixels(got.bytes), want)).to.be.at.most(1);
  });

  it('multiply of a colour with its negation gives a*(255-a)/255', async () => {
    const got = await pixels((await runGraph(twoImageGraph('imgflow/negate', {}, 'multiply'), await solid(8, 8, '#4080c0'), 'png')).bytes);
    const expected = [0x40, 0x80, 0xc0].map((v) => Math.round((v * (255 - v)) / 255));
    for (let c = 0; c < 3; c++) expect(Math.abs(got.data[c] - expected[c])).to.be.at.most(1);
  });

  it('svg/src-over clips an aux larger than the input', async () => {
    const graph = twoImageGraph('imgflow/extend', { right: 10, bottom: 10 }, 'over');
    graph.processes.comp.component = 'svg/src-over';
    graph.connections = graph.connections.filter((c) => !('data' in c && c.tgt.port === 'blend'));
    const got = await runGraph(graph, await testPng(20, 20), 'png');
    expect([got.width, got.height]).to.deep.equal([20, 20]);
  });
});

describe('encoders', () => {
  it('each output format is what its name says, quality changes the size', async () => {
    const input = await pngOf(noiseRaw(96, 64), 96, 64, 3);
    for (const format of ['jpeg', 'png', 'webp', 'avif', 'tiff', 'gif'] as const) {
      const { bytes } = await runGraph(singleNodeGraph('gegl/nop'), input, format);
      const meta = await sharp(bytes).metadata();
      expect(meta.format === 'heif' ? 'avif' : meta.format, format).to.equal(format);
    }
    const low = await runGraph(chainGraph([['gegl/nop'], ['imgflow/encode-jpeg', { quality: 10 }]]), input, 'jpeg');
    const high = await runGraph(chainGraph([['gegl/nop'], ['imgflow/encode-jpeg', { quality: 95 }]]), input, 'jpeg');
    expect(low.bytes.length).to.be.lessThan(high.bytes.length);
  });

  it("an encoder node's options apply only to its own format", async () => {
    const input = await pngOf(noiseRaw(96, 64), 96, 64, 3);
    const graph = chainGraph([['gegl/nop'], ['imgflow/encode-webp', { quality: 5 }]]);
    const webp = await runGraph(graph, input, 'webp');
    const webpDefault = await runGraph(singleNodeGraph('gegl/nop'), input, 'webp');
    expect(webp.bytes.length).to.be.lessThan(webpDefault.bytes.length);
    const png = await runGraph(graph, input, 'png');
    expect((await sharp(png.bytes).metadata()).format).to.equal('png');
  });
});
