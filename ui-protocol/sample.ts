/**
 * The image a preview run starts from: the last image sent to the graph's `input` port, else the
 * graph's own sample (`properties.sample`, `properties.environment.sample`, or the path of an
 * imgflo `gegl/load` node), else the configured preview input, else a generated test image.
 * Samples are scaled down before the run so previews stay interactive.
 */
import sharp from 'sharp';
import { ImgflowError, isEditorSource, type GraphJson } from '../runtime/index.ts';
import { ProtocolError } from './graphs.ts';
import type { FetchInput, InputCheck } from './types.ts';

const MAX_CACHED = 8;

/** A sample reference found in a graph: a URL or data URL string. */
export function graphSample(graph: GraphJson): string | undefined {
  const props = graph.properties ?? {};
  const env = (props.environment ?? {}) as Record<string, unknown>;
  for (const candidate of [props.sample, env.sample]) if (typeof candidate === 'string' && candidate) return candidate;
  for (const [id, proc] of Object.entries(graph.processes)) {
    if (!isEditorSource(proc.component)) continue;
    const iip = graph.connections.find((c) => !c.src && c.tgt.process === id && c.tgt.port === 'path');
    if (typeof iip?.data === 'string' && /^(https?:|data:)/.test(iip.data)) return iip.data;
  }
  return undefined;
}

/**
 * Reads an image reference (a data URL, an http(s) URL through `fetchInput`, or `{url}`) and
 * passes it through the input checks, so nothing a client sends is decoded unchecked.
 * `what` names the image in the refusal ("Sample image", "Image parameter guide").
 */
export async function loadCheckedReference(ref: unknown, fetchInput: FetchInput | undefined, inputCheck: InputCheck, signal: AbortSignal, what = 'Image'): Promise<Buffer> {
  const bytes = await loadReference(ref, fetchInput, signal);
  await checkInput(bytes, inputCheck, what);
  return bytes;
}

/** The input checks, with the refusal as a protocol error naming the image and the code. */
export async function checkInput(bytes: Buffer, inputCheck: InputCheck, what: string): Promise<void> {
  try {
    await inputCheck.check(bytes);
  } catch (err) {
    if (err instanceof ImgflowError) throw new ProtocolError(`${what} refused: ${err.message} (${err.code})`);
    throw err;
  }
}

/** Reads an image reference: a data URL, an http(s) URL (through `fetchInput`), or `{url}`. Unchecked. */
async function loadReference(ref: unknown, fetchInput: FetchInput | undefined, signal: AbortSignal): Promise<Buffer> {
  const url = typeof ref === 'string' ? ref : typeof (ref as { url?: unknown })?.url === 'string' ? (ref as { url: string }).url : undefined;
  if (!url) throw new ProtocolError('An image is a data: URL, an http(s) URL or {url}');
  const data = /^data:([^,]*?)(;base64)?,(.*)$/s.exec(url);
  if (data) return data[2] ? Buffer.from(data[3], 'base64') : Buffer.from(decodeURIComponent(data[3]), 'latin1');
  if (!/^https?:\/\//i.test(url)) throw new ProtocolError(`Unsupported image URL ${url.slice(0, 80)}: use data: or http(s)`);
  if (!fetchInput) throw new ProtocolError('This runtime does not fetch sample URLs; send the image as a data: URL');
  return fetchInput(url, signal);
}

let testImage: Promise<Buffer> | undefined;

/** 320x240: colour gradients under a checkerboard, so blurs, crops and colour ops all show. */
export function defaultTestImage(): Promise<Buffer> {
  testImage ??= (() => {
    const width = 320, height = 240;
    const px = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 3;
        const check = ((x >> 5) + (y >> 5)) % 2 === 0;
        px[i] = Math.round((x / (width - 1)) * 255);
        px[i + 1] = Math.round((y / (height - 1)) * 255);
        px[i + 2] = check ? 230 : 40;
      }
    }
    return sharp(px, { raw: { width, height, channels: 3 } }).png().toBuffer();
  })();
  return testImage;
}

export interface SampleLoader {
  /** Encoded image bytes, scaled to fit `maxSide`. */
  load(ref: unknown | undefined, signal: AbortSignal): Promise<Buffer>;
}

export function createSampleLoader(opts: { fetchInput?: FetchInput; inputCheck: InputCheck; previewInput?: Buffer; maxSide: number }): SampleLoader {
  const cache = new Map<string, Buffer>();
  const shrink = async (bytes: Buffer) => {
    const img = sharp(bytes, { failOn: 'error', autoOrient: true, limitInputPixels: opts.inputCheck.maxPixels });
    const meta = await img.metadata();
    if ((meta.width ?? 0) <= opts.maxSide && (meta.height ?? 0) <= opts.maxSide) return bytes;
    return img.resize(opts.maxSide, opts.maxSide, { fit: 'inside', withoutEnlargement: true }).png({ compressionLevel: 1 }).toBuffer();
  };
  return {
    async load(ref, signal) {
      const key = typeof ref === 'string' ? ref : ref === undefined ? '' : JSON.stringify(ref);
      const hit = cache.get(key);
      if (hit) return hit;
      let bytes: Buffer;
      if (ref !== undefined) bytes = await loadCheckedReference(ref, opts.fetchInput, opts.inputCheck, signal, 'Sample image');
      else bytes = opts.previewInput ?? (await defaultTestImage());
      try {
        bytes = await shrink(bytes);
      } catch (err) {
        throw new ProtocolError(`Sample image could not be decoded: ${(err as Error).message.split('\n')[0]}`);
      }
      cache.set(key, bytes);
      if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
      return bytes;
    },
  };
}
