/**
 * Every shipped graph on a photo-like image made in code, against its reference image
 * (spec/fixtures/graphs, made by spec/graphs/make-references.ts and shown in docs/graphs.png),
 * and the promises their names make.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { createRuntime } from '../../runtime/index.ts';
import { photoPng } from '../_helpers/photo.ts';
import { referenceDir, runShipped, shippedDir, shippedGraphNames } from './_shipped.ts';

/** Per 8-bit channel. The references were made on CPU kernels; other backends round differently. */
const MAX_MEAN_DIFFERENCE = 2;

async function rgb(png: Buffer) {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** The white wall of the photo-like image (see spec/_helpers/photo.ts). */
const WALL = { x: 40, y: 100 };

describe('shipped graphs', function () {
  this.timeout(60000);
  const names = ['1977', 'brannan', 'crop', 'croprotate', 'deepdream', 'desaturate', 'enhancelowres', 'gaussianblur', 'gradientmap', 'halodarken', 'hefe', 'lordkelvin', 'motionblur', 'nashville', 'passthrough', 'resize', 'retro', 'thumbnail', 'xproii'];

  it('are the graphs that have reference images', async () => {
    expect(await shippedGraphNames()).to.deep.equal(names);
  });

  for (const name of names) {
    it(`${name} looks like its reference`, async () => {
      const out = await rgb(await runShipped(name));
      const ref = await rgb(await readFile(join(referenceDir, `${name}.png`)));
      expect([out.width, out.height]).to.deep.equal([ref.width, ref.height]);
      const sums = [0, 0, 0];
      for (let i = 0; i < out.data.length; i++) sums[i % 3] += Math.abs(out.data[i] - ref.data[i]);
      for (const s of sums) expect(s / (out.width * out.height)).to.be.at.most(MAX_MEAN_DIFFERENCE);
    });
  }

  it('1977 tints whites warm pink, not mint green', async () => {
    const out = await rgb(await runShipped('1977'));
    const i = (WALL.y * out.width + WALL.x) * 3;
    const [r, g, b] = out.data.subarray(i, i + 3);
    expect(r).to.be.above(240);
    expect(r - g).to.be.at.least(15);
    expect(r - b).to.be.at.least(15);
  });

  it('halodarken darkens, visibly, around contours', async () => {
    const input = await rgb(await photoPng());
    const out = await rgb(await runShipped('halodarken'));
    let signed = 0;
    for (let i = 0; i < out.data.length; i++) signed += out.data[i] - input.data[i];
    expect(signed / out.data.length).to.be.below(-3);
    // Darker just outside the wall's left edge than far from any edge.
    const at = (x: number, y: number) => out.data[(y * out.width + x) * 3 + 1] - input.data[(y * out.width + x) * 3 + 1];
    expect(at(27, 100)).to.be.below(at(10, 20) - 20);
  });

  it("retro offers imgflo's five presets, as its description says", async () => {
    const runtime = await createRuntime({ graphsDir: shippedDir, watch: false, computeThreads: 0 });
    try {
      const preset = runtime.describe('retro').parameters.find((p) => p.name === 'preset')!;
      expect(preset.values).to.deep.equal(['none', 'prog', 'indie', 'batcave', 'country']);
      for (const v of preset.values!) expect(preset.description).to.contain(v);
      expect(() => runtime.prepare('retro', { preset: '1977' })).to.throw(/preset/);
    } finally {
      await runtime.close();
    }
  });
});
