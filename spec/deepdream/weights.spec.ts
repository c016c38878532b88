import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createTfjsBackend, DREAM_LAYERS, inferShapes, loadNet, subnet } from '../../operations/deepdream/index.ts';
import { loadInceptionTrunk, type RawConvBn } from '../../operations/deepdream/nsfwjs-inception.ts';
import { cacheFile, deserializeNet, serializeNet } from '../../operations/deepdream/weight-cache.ts';
import type { ConvSpec, Net } from '../../operations/deepdream/net-types.ts';

describe('deepdream weights', function () {
  this.timeout(60000);
  let net: Net;
  const raw = new Map<string, RawConvBn>();

  before(async () => {
    net = loadInceptionTrunk(raw);
    await createTfjsBackend(); // initialises tfjs on wasm for the fold check
  });

  it('has the InceptionV3 trunk through mixed5 with the published shapes', () => {
    const convs = net.nodes.filter((n) => n.op === 'conv');
    expect(convs).to.have.length(50);
    const first = convs[0].op === 'conv' ? convs[0].conv : undefined;
    expect(first).to.include({ kh: 3, kw: 3, cin: 3, cout: 32, stride: 2, padding: 'valid' });
    expect(first!.weights).to.have.length(3 * 3 * 3 * 32);
    const shapes = inferShapes(net.nodes, 299, 299);
    expect(DREAM_LAYERS.map((l) => shapes.get(l))).to.deep.equal([
      [35, 35, 256], [35, 35, 288], [35, 35, 288], [17, 17, 768], [17, 17, 768], [17, 17, 768],
    ]);
    for (const n of net.nodes) {
      if (n.op !== 'conv') continue;
      expect(n.conv.weights.length).to.equal(n.conv.kh * n.conv.kw * n.conv.cin * n.conv.cout);
      expect(n.conv.bias.length).to.equal(n.conv.cout);
      expect(n.conv.weights.every(Number.isFinite) && n.conv.bias.every(Number.isFinite)).to.equal(true);
    }
    expect([...raw.values()].every((r) => r.variance.every((v) => v > 0))).to.equal(true);
  });

  it('folds BatchNorm: folded conv equals conv then BN(eps 1e-3, no scale) on a random input', () => {
    for (const id of ['activation_1', 'activation_8', 'activation_36']) {
      const node = net.nodes.find((n) => n.id === id)!;
      const conv = (node as { conv: ConvSpec }).conv;
      const r = raw.get(id)!;
      const x = tf.tensor4d(new Float32Array(15 * 15 * conv.cin).map((_, i) => Math.sin(i * 0.7)), [1, 15, 15, conv.cin]);
      const k = [conv.kh, conv.kw, conv.cin, conv.cout] as [number, number, number, number];
      const reference = tf.add(tf.div(tf.sub(tf.conv2d(x, tf.tensor4d(r.kernel, k), conv.stride, conv.padding), tf.tensor1d(r.mean)), tf.sqrt(tf.add(tf.tensor1d(r.variance), 1e-3))), tf.tensor1d(r.beta));
      const folded = tf.add(tf.conv2d(x, tf.tensor4d(conv.weights, k), conv.stride, conv.padding), tf.tensor1d(conv.bias));
      const err = tf.max(tf.abs(tf.sub(reference, folded))).dataSync()[0];
      const scale = tf.max(tf.abs(reference)).dataSync()[0];
      expect(err / scale, id).to.be.below(1e-5);
    }
  });

  it('round-trips the folded net through the cache format and writes it atomically', () => {
    const back = deserializeNet(serializeNet(net));
    expect(back.source).to.equal(net.source);
    expect(back.nodes.map((n) => n.id)).to.deep.equal(net.nodes.map((n) => n.id));
    const a = net.nodes.find((n) => n.id === 'activation_94');
    const b = back.nodes.find((n) => n.id === 'activation_94');
    expect(a === undefined && b === undefined).to.equal(true); // mixed5 is the last layer kept
    const c1 = net.nodes.find((n) => n.id === 'activation_50') as { conv: ConvSpec };
    const c2 = back.nodes.find((n) => n.id === 'activation_50') as { conv: ConvSpec };
    expect(Array.from(c2.conv.weights)).to.deep.equal(Array.from(c1.conv.weights));

    const dir = mkdtempSync(join(tmpdir(), 'imgflow-dd-'));
    try {
      const loaded = loadNet(dir);
      expect(readdirSync(dir)).to.deep.equal([cacheFile(dir).split('/').pop()]); // no temp file left
      expect(subnet(loaded, 'mixed5')).to.have.length(net.nodes.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a corrupt cache file', () => {
    const buf = serializeNet(net);
    expect(() => deserializeNet(buf.subarray(0, 100))).to.throw();
    expect(() => deserializeNet(Buffer.from('nonsense'))).to.throw(/Not a deepdream weight cache/);
  });
});
