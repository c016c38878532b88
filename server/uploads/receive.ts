/**
 * Reads an upload body as it streams in, refusing it as early as it can be refused:
 *   - a declared Content-Length over the limit: before a byte is read (413);
 *   - a stream that passes the limit: at that chunk (413), so a 200 MB body costs at most the
 *     limit in memory;
 *   - the format and pixel count: as soon as the header is in (the same checks and codes as
 *     inputs, server/input/check-image.ts), so a 20000x20000 PNG is refused after its first
 *     bytes, not after its last;
 *   - the server's input bytes in flight (429), chunk by chunk.
 * The bytes are hashed on the way (sha256: the upload id).
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { errors, ImgflowError } from '../../runtime/errors.ts';
import { checkImage, type ImageInfo } from '../input/check-image.ts';
import type { BytesHold } from '../input/input-budget.ts';

export interface ReceiveOptions {
  maxBytes: number;
  /** The header must be readable within this many bytes. */
  headerBytes: number;
  maxPixels: number;
  declaredLength?: number;
  hold: BytesHold;
}

export interface Received {
  bytes: Buffer;
  /** sha256 of the bytes, hex. */
  sha256: string;
  info: ImageInfo;
}

/** First try at this many bytes, then each time four times as many are in. */
const FIRST_HEADER_TRY = 4096;

/** Pulls chunks without the async iterator, which destroys the stream (and socket) on an early exit. */
function puller(stream: Readable): () => Promise<Buffer | null> {
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  stream.on('readable', poke);
  stream.on('end', () => { ended = true; poke(); });
  stream.on('error', (err) => { failure = err; poke(); });
  stream.on('close', () => {
    if (!ended && !failure) failure = errors.IMGFLOW_ERR_INPUT_CORRUPT({}, undefined, 'upload ended before its body did');
    poke();
  });
  return async () => {
    for (;;) {
      if (failure) throw failure;
      const chunk = stream.read() as Buffer | null;
      if (chunk !== null) return chunk;
      if (ended) return null;
      await new Promise<void>((resolve) => { wake = resolve; });
    }
  };
}

/** Decisive answers from a prefix: accepted, or refused for format or size. A corrupt-looking prefix may just be short. */
async function checkPrefix(prefix: Buffer, maxPixels: number): Promise<ImageInfo | undefined> {
  try {
    return await checkImage(prefix, { maxPixels });
  } catch (err) {
    if (err instanceof ImgflowError && err.code === 'IMGFLOW_ERR_INPUT_CORRUPT') return undefined;
    throw err;
  }
}

export async function receiveUpload(stream: Readable, opts: ReceiveOptions): Promise<Received> {
  const tooLarge = () => errors.IMGFLOW_ERR_INPUT_TOO_LARGE({ limit: opts.maxBytes }, undefined, opts.maxBytes);
  if (opts.declaredLength !== undefined && opts.declaredLength > opts.maxBytes) throw tooLarge();
  const next = puller(stream);
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let total = 0;
  let headerOk = false;
  let nextTry = FIRST_HEADER_TRY;
  for (;;) {
    const chunk = await next();
    if (chunk === null) break;
    total += chunk.length;
    if (total > opts.maxBytes) throw tooLarge();
    opts.hold.take(chunk.length);
    hash.update(chunk);
    chunks.push(chunk);
    if (!headerOk && total >= nextTry) {
      // Nothing is read while libvips reads the header: the socket's buffers hold the rest meanwhile.
      const info = await checkPrefix(Buffer.concat(chunks, total), opts.maxPixels);
      if (info) headerOk = true;
      else if (total >= opts.headerBytes) throw errors.IMGFLOW_ERR_INPUT_CORRUPT({ readBytes: total }, undefined, `no readable image header in the first ${total} bytes`);
      else nextTry = Math.min(total * 4, opts.headerBytes);
    }
  }
  if (total === 0) throw errors.IMGFLOW_ERR_UPLOAD_EMPTY();
  const bytes = Buffer.concat(chunks, total);
  // The whole image is the authority: a prefix can only refuse early, never accept.
  const info = await checkImage(bytes, { maxPixels: opts.maxPixels });
  return { bytes, sha256: hash.digest('hex'), info };
}
