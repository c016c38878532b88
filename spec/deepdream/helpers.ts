/** Shared fixtures for the deepdream specs: tiny inputs, made by code. */
import sharp from 'sharp';
import type { RawImage } from '../../operations/define.ts';
import { createRandom } from '../../operations/deepdream/random.ts';

/** Uniform noise in -1..1, the network's input range. */
export function noiseInput(h: number, w: number, seed = 7): Float32Array {
  const rnd = createRandom(seed);
  return new Float32Array(h * w * 3).map(() => rnd() * 2 - 1);
}

/** A small picture (a disc on a gradient), made with sharp. */
export async function picture(width: number, height: number, channels: 3 | 4 = 3): Promise<RawImage> {
  const svg = `<svg width="${width}" height="${height}"><defs><linearGradient id="g"><stop offset="0" stop-color="#2a6"/><stop offset="1" stop-color="#a62"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/><circle cx="${width / 2}" cy="${height / 2}" r="${Math.min(width, height) / 3}" fill="#36c"/></svg>`;
  let pipe = sharp(Buffer.from(svg));
  pipe = channels === 4 ? pipe.ensureAlpha(0.5) : pipe.removeAlpha();
  const { data, info } = await pipe.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels as 3 | 4 };
}

export function relativeL2(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += a[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/** The channel of the net's last layer with the largest mean activation on `x` (a live one). */
export async function liveChannel(backend: import('../../operations/deepdream/index.ts').TensorBackend<any>, nodes: import('../../operations/deepdream/index.ts').NetNode[], x: Float32Array, h: number, w: number): Promise<number> {
  const { forward } = await import('../../operations/deepdream/index.ts');
  const { activation, shape } = await forward(backend, nodes, x, h, w);
  const sums = new Float64Array(shape[2]);
  activation.forEach((v, i) => (sums[i % shape[2]] += v));
  return sums.indexOf(Math.max(...sums));
}
