/**
 * Reads the Keras InceptionV3 shipped in npm nsfwjs@4.4.0 (MIT) straight from the package files:
 * topology from model.min.js, uint8-quantised weights from six base64 shards. Layers through
 * mixed5 are frozen ImageNet weights (the topology marks them trainable:false), which is all a
 * dream needs. BatchNorm (scale=false, epsilon 1e-3) is folded into the preceding conv.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import type { ConvSpec, Net, NetNode } from './net-types.ts';

const require = createRequire(import.meta.url);
const LAST_LAYER = 'mixed5';
const BN_EPSILON = 1e-3;

interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, any>;
  inbound_nodes: [string, number, number, unknown?][][];
}

interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { min: number; scale: number; dtype: string };
}

interface ModelJson {
  modelTopology: { model_config: { config: { layers: KerasLayer[] } } };
  weightsManifest: { paths: string[]; weights: ManifestWeight[] }[];
}

/** The nsfwjs package folder and version (its `exports` map blocks deep requires, so go by path). */
export function nsfwjsLocation(): { dir: string; version: string } {
  // dist/cjs has its own package.json ({type}); the package root is the one named nsfwjs.
  let dir = dirname(require.resolve('nsfwjs'));
  const isRoot = (d: string): boolean => existsSync(join(d, 'package.json')) && (require(join(d, 'package.json')) as { name?: string }).name === 'nsfwjs';
  while (!isRoot(dir)) {
    if (dirname(dir) === dir) throw new Error('nsfwjs package root not found');
    dir = dirname(dir);
  }
  const version = (require(join(dir, 'package.json')) as { version: string }).version;
  return { dir: join(dir, 'dist', 'models', 'inception_v3'), version };
}

/** Dequantised weights by name: w = min + scale * q. */
function readWeights(dir: string, model: ModelJson, wanted: (name: string) => boolean): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const group of model.weightsManifest) {
    // Each shard is a UMD module whose export is a base64 string.
    const bytes = Buffer.concat(group.paths.map((p) => Buffer.from(require(join(dir, `${p}.min.js`)) as string, 'base64')));
    let offset = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      const q = w.quantization;
      if (!q || q.dtype !== 'uint8' || w.dtype !== 'float32') throw new Error(`Unexpected weight encoding for ${w.name}`);
      if (wanted(w.name)) {
        const f = new Float32Array(n);
        for (let i = 0; i < n; i++) f[i] = q.min + q.scale * bytes[offset + i];
        out.set(w.name, f);
      }
      offset += n;
    }
    if (offset !== bytes.length) throw new Error(`Weight shards hold ${bytes.length} bytes, manifest wants ${offset}`);
  }
  return out;
}

/** Folds y = (conv(x) - mean) / sqrt(var + eps) + beta into the conv's weights and a bias. */
export function foldBatchNorm(kernel: Float32Array, cout: number, beta: Float32Array, mean: Float32Array, variance: Float32Array): { weights: Float32Array; bias: Float32Array } {
  const inv = new Float32Array(cout);
  const bias = new Float32Array(cout);
  for (let c = 0; c < cout; c++) {
    inv[c] = 1 / Math.sqrt(variance[c] + BN_EPSILON);
    bias[c] = beta[c] - mean[c] * inv[c];
  }
  const weights = new Float32Array(kernel.length);
  for (let i = 0; i < kernel.length; i++) weights[i] = kernel[i] * inv[i % cout];
  return { weights, bias };
}

/** Unfolded parameters of one conv + BN pair, for checking the fold. */
export interface RawConvBn {
  kernel: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
}

/** Parses and folds the trunk through mixed5. `raw` (optional) receives the unfolded parameters. */
export function loadInceptionTrunk(raw?: Map<string, RawConvBn>): Net {
  const { dir, version } = nsfwjsLocation();
  const model = require(join(dir, 'model.min.js')) as ModelJson;
  const all = model.modelTopology.model_config.config.layers;
  const layers = all.slice(0, all.findIndex((l) => l.name === LAST_LAYER) + 1);
  if (layers.length === 0) throw new Error(`${LAST_LAYER} not found in nsfwjs InceptionV3`);
  const used = new Set(layers.map((l) => l.name));
  const weights = readWeights(dir, model, (name) => used.has(name.split('/')[0]));
  const get = (name: string): Float32Array => {
    const w = weights.get(name);
    if (!w) throw new Error(`Missing weight ${name}`);
    return w;
  };

  const nodes: NetNode[] = [];
  const convs = new Map<string, { node: NetNode & { op: 'conv' }; kernelName: string }>();
  const alias = new Map<string, string>(); // keras layer name -> node id
  const resolve = (name: string): string => alias.get(name) ?? name;
  const inputsOf = (l: KerasLayer): string[] => l.inbound_nodes[0].map((n) => resolve(n[0]));

  for (const l of layers) {
    const c = l.config;
    switch (l.class_name) {
      case 'InputLayer':
        nodes.push({ op: 'input', id: l.name });
        break;
      case 'Conv2D': {
        if (c.use_bias || c.activation !== 'linear' || c.dilation_rate[0] !== 1 || c.strides[0] !== c.strides[1]) throw new Error(`Unsupported conv ${l.name}`);
        const kernelName = `${l.name}/kernel`;
        const [kh, kw, cin, cout] = [c.kernel_size[0], c.kernel_size[1], 0, c.filters];
        const conv: ConvSpec = { kh, kw, cin, cout, stride: c.strides[0], padding: c.padding, weights: get(kernelName), bias: new Float32Array(cout) };
        conv.cin = conv.weights.length / (kh * kw * cout);
        if (conv.padding === 'same' && conv.stride !== 1) throw new Error(`Unsupported strided same conv ${l.name}`);
        const node = { op: 'conv' as const, id: l.name, input: inputsOf(l)[0], conv };
        nodes.push(node);
        convs.set(l.name, { node, kernelName });
        break;
      }
      case 'BatchNormalization': {
        const src = inputsOf(l)[0];
        const entry = convs.get(src);
        if (!entry || c.scale !== false || c.center !== true || Math.abs(c.epsilon - BN_EPSILON) > 1e-9) throw new Error(`Unsupported batch norm ${l.name}`);
        const bn = { beta: get(`${l.name}/beta`), mean: get(`${l.name}/moving_mean`), variance: get(`${l.name}/moving_variance`) };
        raw?.set(src, { kernel: entry.node.conv.weights, ...bn });
        Object.assign(entry.node.conv, foldBatchNorm(entry.node.conv.weights, entry.node.conv.cout, bn.beta, bn.mean, bn.variance));
        alias.set(l.name, src);
        break;
      }
      case 'Activation': {
        if (c.activation !== 'relu') throw new Error(`Unsupported activation ${c.activation} in ${l.name}`);
        const src = inputsOf(l)[0];
        const node = nodes.find((n) => n.id === src);
        if (!node || node.op !== 'conv') throw new Error(`ReLU ${l.name} does not follow a conv`);
        // The conv node takes the activation's name, so later layers find it directly.
        for (const [k, v] of alias) if (v === src) alias.set(k, l.name);
        node.id = l.name;
        convs.delete(src);
        alias.set(src, l.name);
        if (raw?.has(src)) {
          raw.set(l.name, raw.get(src)!);
          raw.delete(src);
        }
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        if (c.pool_size[0] !== c.pool_size[1] || c.strides[0] !== c.strides[1]) throw new Error(`Unsupported pool ${l.name}`);
        const pool = { size: c.pool_size[0], stride: c.strides[0], padding: c.padding };
        nodes.push({ op: l.class_name === 'MaxPooling2D' ? 'maxpool' : 'avgpool', id: l.name, input: inputsOf(l)[0], pool });
        break;
      }
      case 'Concatenate':
        if (c.axis !== 3 && c.axis !== -1) throw new Error(`Unsupported concat axis in ${l.name}`);
        nodes.push({ op: 'concat', id: l.name, inputs: inputsOf(l) });
        break;
      default:
        throw new Error(`Unsupported layer ${l.class_name} (${l.name})`);
    }
  }
  if (convs.size > 0) throw new Error(`Convs without ReLU: ${[...convs.keys()].join(', ')}`);
  return { source: `nsfwjs@${version} inception_v3 (BatchNorm folded, through ${LAST_LAYER})`, nodes };
}
