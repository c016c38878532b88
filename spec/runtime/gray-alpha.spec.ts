/**
 * A grey image's alpha across a stage boundary. sharp's raw output of a greyscale pipeline is
 * its first band only, so when grayscale ends a sharp stage and the next stage (process, pixel
 * or kernel) takes raw pixels, the alpha was dropped although the operation keeps it.
 *
 * The reference for each chain is the second stage run alone on sharp's own greyscale of the
 * input, encoded as PNG (an encoded greyscale pipeline keeps its alpha).
 */
import { expect } from 'chai';
import sharp from 'sharp';
import { bindParameters, compileGraph, evaluatePlan } from '../../runtime/index.ts';
import type { RawImage } from '../../operations/define.ts';
import { chainGraph, registry, runGraph, singleNodeGraph } from '../_helpers/graphs.ts';
import { maxDiff, pixels, testPng, type Pixels } from '../_helpers/images.ts';

/** The image as RGBA, whatever it was encoded with: grey and grey+alpha compare with colour. */
async function rgba(png: Buffer): Promise<Pixels> {
  return pixels(sharp(png).ensureAlpha().toColourspace('srgb'));
}

function band(img: Pixels, c: number): Buffer {
  const out = Buffer.alloc(img.width * img.height);
  for (let i = 0; i < out.length; i++) out[i] = img.data[i * img.channels + c];
  return out;
}

const SECOND_STAGES: [name: string, component: string, iips: Record<string, unknown>, bound: number][] = [
  // a process stage that blurs alpha with the colour: within 1/255, as gaussian-blur-linear's own spec
  ['gegl/gaussian-blur (process)', 'gegl/gaussian-blur', { 'std-dev-x': 1.5, 'std-dev-y': 1.5 }, 1],
  // pixel and kernel stages leave alpha as it is
  ['gamma (pixel)', 'imgflow/gamma', { value: 0.7 }, 0],
  ['levels (kernel)', 'imgflow/levels', { gamma: 1.4 }, 1],
];

describe("a greyscale pipeline's raw pixels keep its alpha", () => {
  for (const gray of ['imgflow/grayscale', 'gegl/gray']) {
    for (const [name, component, iips, bound] of SECOND_STAGES) {
      it(`${gray} -> ${name} keeps a non-trivial alpha`, async () => {
        const input = await testPng(40, 30, 4);
        const result = await runGraph(chainGraph([[gray], [component, iips]]), input, 'png');
        const got = await pixels(result.bytes);
        expect(got.channels === 2 || got.channels === 4, `channels ${got.channels}`).to.equal(true);
        const reference = await runGraph(chainGraph([[component, iips]]), await sharp(input).grayscale().png().toBuffer(), 'png');
        const [g, want] = [await rgba(result.bytes), await rgba(reference.bytes)];
        expect(maxDiff(g, want)).to.be.at.most(bound);
        // still grey, and the alpha is the input's (as the second stage left it)
        for (let i = 0; i < g.data.length; i += 4) expect(g.data[i + 1] === g.data[i] && g.data[i + 2] === g.data[i]).to.equal(true);
        const inAlpha = band(await pixels(input), 3);
        if (bound === 0) expect(band(g, 3).equals(inAlpha)).to.equal(true);
        expect(new Set(band(g, 3)).size).to.be.greaterThan(10);
      });
    }
  }

  for (const [name, component, iips, bound] of SECOND_STAGES) {
    it(`grayscale -> ${name} on an opaque image stays grey and opaque`, async () => {
      const input = await testPng(40, 30, 3);
      const result = await runGraph(chainGraph([['imgflow/grayscale'], [component, iips]]), input, 'png');
      const got = await pixels(result.bytes);
      // no transparency: a kernel stage hands on RGBA, opaque
      if (got.channels === 2 || got.channels === 4) expect(band(got, got.channels - 1).every((a) => a === 255)).to.equal(true);
      const reference = await runGraph(chainGraph([[component, iips]]), await sharp(input).grayscale().png().toBuffer(), 'png');
      expect(maxDiff(await rgba(result.bytes), await rgba(reference.bytes))).to.be.at.most(bound);
    });
  }

  // gegl-scale with fit resizes grey+alpha raw pixels in its own sharp pipeline (no greyscale
  // flag there: sharp hands 2 channels back as RGBA, alpha kept).
  it('grey+alpha through gegl-scale (fit) after grayscale and a blur keeps its alpha', async () => {
    const input = await testPng(40, 30, 4);
    const steps: [string, Record<string, unknown>][] = [['gegl/gaussian-blur', { 'std-dev-x': 1 }], ['imgflow/gegl-scale', { width: 20, height: 10, fit: 'fill' }]];
    const result = await runGraph(chainGraph([['gegl/gray', {}], ...steps]), input, 'png');
    const reference = await runGraph(chainGraph(steps), await sharp(input).grayscale().png().toBuffer(), 'png');
    const got = await rgba(result.bytes);
    expect(maxDiff(got, await rgba(reference.bytes))).to.be.at.most(1);
    expect(new Set(band(got, 3)).size).to.be.greaterThan(10);
  });

  // The same raw output decides a negotiated format and feeds edge previews.
  it('grayscale alone on a transparent PNG picks the alpha format (the result is looked at raw)', async () => {
    const input = await testPng(40, 30, 4);
    const plan = bindParameters(compileGraph('g', singleNodeGraph('gegl/gray'), registry), {});
    const result = await evaluatePlan(plan, registry, { input, format: 'jpeg', alphaFormat: 'png' });
    expect(result.format).to.equal('png');
    expect(band(await rgba(result.bytes), 3).equals(band(await pixels(input), 3))).to.equal(true);
  });

  it("an edge preview of grayscale holds the input's alpha", async () => {
    const input = await testPng(40, 30, 4);
    const plan = bindParameters(compileGraph('g', chainGraph([['gegl/gray'], ['imgflow/gamma', { value: 0.7 }]]), registry), {});
    const seen = new Map<string, RawImage>();
    await evaluatePlan(plan, registry, { input, format: 'png', collect: (id, img) => seen.set(id, img) });
    const grey = seen.get('n0')!;
    expect(grey.channels).to.equal(2);
    expect(band(grey, 1).equals(band(await pixels(input), 3))).to.equal(true);
  });
});
