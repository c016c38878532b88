/**
 * Runs imgflo-server's graph test cases (graphtests.json) against a directory of graph files
 * through the real HTTP server, and compares each output with GEGL's reference image.
 *
 * imgflo served its test inputs itself, at `files/<name>`, and prefixed such relative inputs
 * with its own address; here a local origin on 127.0.0.1 plays that part, so `files/x.jpg`
 * becomes that origin's URL. Nothing else of a case is changed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { createRuntime, type Runtime } from '../../runtime/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { startOrigin, type Origin } from '../input/_origin.ts';

export interface GraphTestCase {
  _name: string;
  _graph?: string;
  _url?: string;
  _tolerance?: number;
  _timeout?: number;
  [param: string]: unknown;
}

export interface ImgfloServer {
  base: string;
  origin: Origin;
  runtime: Runtime;
  app: FastifyInstance;
  logs: string[];
  close(): Promise<void>;
}

export async function startImgfloServer(graphsDir: string, examplesDir: string): Promise<ImgfloServer> {
  const origin = await startOrigin((req, res) => {
    const name = /^\/files\/([\w.-]+)$/.exec((req.url ?? '').split('?')[0])?.[1];
    if (!name) {
      res.writeHead(404).end();
      return;
    }
    readFile(join(examplesDir, name)).then(
      (bytes) => res.writeHead(200).end(bytes),
      () => res.writeHead(404).end(),
    );
  });
  const config = loadConfig({ graphsDir, logLevel: 'silent', allowPrivateSources: true, cacheStore: 'none', cacheMemoryMaxBytes: 0 }, {});
  const runtime = await createRuntime({ graphsDir, watch: false, computeThreads: 1 });
  const app = await buildApp(config, { runtime });
  const logs: string[] = [];
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    base,
    origin,
    runtime,
    app,
    logs,
    async close() {
      await app.close();
      await runtime.close();
      await origin.close();
    },
  };
}

/** imgflo's relative `files/...` input, resolved against the test origin. */
function resolveInput(origin: Origin, value: string): string {
  return /^https?:\/\//.test(value) ? value : origin.url(`/${value}`);
}

/** The request path and query of a case, parameters in the order the case lists them. */
export function caseUrl(c: GraphTestCase, origin: Origin): string {
  if (c._url) {
    const [path, query = ''] = c._url.split('?');
    const params = new URLSearchParams(query);
    const input = params.get('input');
    if (input !== null) params.set('input', resolveInput(origin, input));
    return `${path}?${params}`;
  }
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(c)) {
    if (k.startsWith('_')) continue;
    params.append(k, k === 'input' ? resolveInput(origin, String(v)) : String(v));
  }
  return `/graph/${c._graph}?${params}`;
}

export interface Comparison {
  width: number;
  height: number;
  pages: number;
  /** Mean absolute difference per 8-bit channel (alpha removed), one value per colour channel. */
  meanPerChannel: number[];
}

async function rgb8(bytes: Buffer): Promise<{ data: Buffer; width: number; height: number; pages: number; channels: number }> {
  const meta = await sharp(bytes, { animated: true }).metadata();
  const { data, info } = await sharp(bytes, { animated: true })
    .removeAlpha()
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: meta.pageHeight ?? info.height, pages: meta.pages ?? 1, channels: info.channels };
}

/** Means of `block` x `block` squares (the last partial row and column dropped). */
function blockMeans(img: { data: Buffer; width: number; height: number; channels: number }, block: number) {
  if (block === 1) return img;
  const width = Math.floor(img.width / block);
  const height = Math.floor(img.height / block);
  const data = Buffer.alloc(width * height * img.channels);
  for (let by = 0; by < height; by++) for (let bx = 0; bx < width; bx++) for (let c = 0; c < img.channels; c++) {
    let sum = 0;
    for (let y = by * block; y < (by + 1) * block; y++) for (let x = bx * block; x < (bx + 1) * block; x++) sum += img.data[(y * img.width + x) * img.channels + c];
    data[(by * width + bx) * img.channels + c] = Math.round(sum / (block * block));
  }
  return { ...img, data, width, height };
}

/**
 * Same size (and frame count) or it throws; then the per-channel mean absolute difference, of
 * pixels, or of `block` x `block` means for a reference made by a random process.
 */
export async function compareWithReference(actual: Buffer, reference: Buffer, block = 1): Promise<Comparison> {
  const fullA = await rgb8(actual);
  const fullR = await rgb8(reference);
  if (fullA.width !== fullR.width || fullA.height !== fullR.height || fullA.pages !== fullR.pages) {
    throw new Error(`size ${fullA.width}x${fullA.height}x${fullA.pages} frames differs from the reference's ${fullR.width}x${fullR.height}x${fullR.pages} frames`);
  }
  const a = { ...blockMeans(fullA, block), width: fullA.width, height: fullA.height, pages: fullA.pages };
  const r = { ...blockMeans(fullR, block), width: fullR.width, height: fullR.height, pages: fullR.pages };
  if (a.channels !== r.channels || a.data.length !== r.data.length) throw new Error(`channels ${a.channels} != reference ${r.channels}`);
  const sums = new Array<number>(a.channels).fill(0);
  for (let i = 0; i < a.data.length; i++) sums[i % a.channels] += Math.abs(a.data[i] - r.data[i]);
  const perChannel = a.data.length / a.channels;
  return { width: a.width, height: a.height, pages: a.pages, meanPerChannel: sums.map((s) => s / perChannel) };
}

/** `<case>.reference.<ext>` in the reference directory. */
export async function referenceFor(referenceDir: string, name: string, files: readonly string[]): Promise<Buffer> {
  const file = files.find((f) => f.startsWith(`${name}.reference.`));
  if (!file) throw new Error(`no reference image for ${name}`);
  return readFile(join(referenceDir, file));
}
