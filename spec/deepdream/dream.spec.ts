import { expect } from 'chai';
import { createTfjsBackend, dream, loadNet, octaveSizes, resolveDreamOptions, subnet, tileSpans, type DreamProgressDetail } from '../../operations/deepdream/index.ts';
import { toNetInput } from '../../operations/deepdream/image-array.ts';
import { liveChannel, picture } from './helpers.ts';

describe('deepdream dream', function () {
  this.timeout(120000);

  it('raises the objective (mean squared mixed0 activation) at every step', async () => {
    const losses: number[] = [];
    await dream(await picture(64, 64), { layer: 'mixed0', octaves: 1, iterations: 6, jitter: 0, backend: 'cpu' }, (_, d) => losses.push(d.loss));
    expect(losses).to.have.length(6);
    for (let i = 1; i < losses.length; i++) expect(losses[i], `step ${i}`).to.be.above(losses[i - 1]);
    expect(losses[5] / losses[0]).to.be.above(1.2);
  });

  it('raises one channel of mixed3 in every octave', async () => {
    const byOctave = new Map<number, number[]>();
    const img = await picture(96, 96);
    const channel = await liveChannel(await createTfjsBackend(), subnet(loadNet(), 'mixed3'), toNetInput(img), 96, 96);
    await dream(img, { layer: 'mixed3', channel, octaves: 2, iterations: 5, jitter: 0, backend: 'cpu' }, (_, d) => {
      byOctave.set(d.octave, [...(byOctave.get(d.octave) ?? []), d.loss]);
    });
    for (const losses of byOctave.values()) expect(losses[losses.length - 1]).to.be.above(losses[0]);
  });

  it('is deterministic for a seed and changes with it', async () => {
    const img = await picture(72, 56);
    const opts = { layer: 'mixed0' as const, octaves: 2, iterations: 3, backend: 'cpu' as const };
    const a = await dream(img, { ...opts, seed: 42 });
    const b = await dream(img, { ...opts, seed: 42 });
    const c = await dream(img, { ...opts, seed: 43 });
    expect(a.data.equals(b.data)).to.equal(true);
    expect(a.data.equals(c.data)).to.equal(false);
    expect(a.data.equals(img.data)).to.equal(false);
  });

  it('keeps size and channels (alpha copied) and reports progress up to 1', async () => {
    const img = await picture(50, 40, 4);
    const seen: [number, DreamProgressDetail][] = [];
    const out = await dream(img, { layer: 'mixed0', octaves: 3, iterations: 2, backend: 'cpu' }, (f, d) => seen.push([f, d]));
    expect([out.width, out.height, out.channels]).to.deep.equal([50, 40, 4]);
    for (let i = 3; i < img.data.length; i += 4) expect(out.data[i]).to.equal(img.data[i]);
    const fractions = seen.map(([f]) => f);
    expect(fractions).to.deep.equal([...fractions].sort((x, y) => x - y));
    expect(fractions[fractions.length - 1]).to.be.closeTo(1, 1e-12);
    expect(seen[seen.length - 1][1]).to.include({ iteration: 2, iterations: 2 });
  });

  it('dreams larger images in overlapping tiles without blank seams', async () => {
    const img = await picture(200, 140);
    const out = await dream(img, { layer: 'mixed0', octaves: 1, iterations: 2, tileSize: 128, backend: 'cpu' });
    expect([out.width, out.height]).to.deep.equal([200, 140]);
    // Every column changed somewhere: no tile edge was left out of the ascent.
    for (let x = 0; x < 200; x++) {
      let changed = false;
      for (let y = 0; y < 140 && !changed; y++) for (let c = 0; c < 3; c++) changed ||= out.data[(y * 200 + x) * 3 + c] !== img.data[(y * 200 + x) * 3 + c];
      expect(changed, `column ${x}`).to.equal(true);
    }
  });

  it('follows a guide image', async () => {
    const losses: number[] = [];
    const out = await dream(await picture(64, 64), { layer: 'mixed0', octaves: 1, iterations: 4, jitter: 0, guide: await picture(48, 48), backend: 'cpu' }, (_, d) => losses.push(d.loss));
    expect(out.width).to.equal(64);
    expect(losses[3]).to.be.above(losses[0]);
  });

  it('frees every tensor it makes (tfjs memory is flat across dreams)', async () => {
    const tf = await import('@tensorflow/tfjs-core');
    const img = await picture(64, 48);
    await dream(img, { layer: 'mixed1', octaves: 2, iterations: 1, backend: 'cpu' });
    const before = tf.memory().numTensors;
    await dream(img, { layer: 'mixed1', octaves: 2, iterations: 2, backend: 'cpu' });
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('plans octaves and tiles', () => {
    expect(octaveSizes(512, 512, 3, 1.4, 43)).to.deep.equal([[261, 261], [366, 366], [512, 512]]);
    expect(octaveSizes(60, 60, 4, 1.4, 43)).to.deep.equal([[43, 43], [60, 60]]);
    for (const [length, tile] of [[1000, 512], [129, 128], [512, 512], [2000, 300]]) {
      const spans = tileSpans(length, tile);
      expect(spans[0].core[0]).to.equal(0);
      expect(spans[spans.length - 1].core[1]).to.equal(length);
      for (let i = 1; i < spans.length; i++) expect(spans[i].core[0]).to.equal(spans[i - 1].core[1]);
      for (const s of spans) expect(s.span[1] - s.span[0]).to.be.at.most(tile);
    }
  });

  it('takes backend and cache dir from the environment when not given', () => {
    const o = resolveDreamOptions({}, { IMGFLOW_DEEPDREAM_BACKEND: 'cpu', IMGFLOW_DEEPDREAM_CACHE_DIR: '/tmp/x' });
    expect(o).to.include({ backend: 'cpu', cacheDir: '/tmp/x', layer: 'mixed3', octaves: 3, iterations: 10 });
    expect(resolveDreamOptions({}, {})).to.include({ backend: 'auto', cacheDir: '.cache/deepdream' });
    expect(() => resolveDreamOptions({}, { IMGFLOW_DEEPDREAM_BACKEND: 'tpu' })).to.throw(/auto, cpu, gpu/);
  });

  it('rejects a channel the layer does not have', async () => {
    let err: unknown;
    await dream(await picture(48, 48), { layer: 'mixed0', channel: 300, backend: 'cpu' }).catch((e) => (err = e));
    expect(String(err)).to.match(/between -1 and 255 for layer mixed0/);
  });
});
