/** A real http origin on a loopback address and random port, for the input specs. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

export interface Origin {
  readonly server: http.Server;
  /** Connections accepted so far. */
  readonly connections: () => number;
  /** Requests received so far, by path. */
  readonly hits: Map<string, number>;
  url(path: string): string;
  close(): Promise<void>;
}

export async function startOrigin(handler: http.RequestListener, host = '127.0.0.1'): Promise<Origin> {
  const hits = new Map<string, number>();
  let connections = 0;
  const server = http.createServer((req, res) => {
    hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
    handler(req, res);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    hits,
    connections: () => connections,
    url: (path) => `http://${host}:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type Sample = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif';

/** Small images of every sample format, made with sharp (noise, so they compress little). */
export async function makeSamples(width = 48, height = 32): Promise<Record<Sample, Buffer>> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 2654435761) >>> 24;
  const base = () => sharp(raw, { raw: { width, height, channels: 3 } });
  const [jpeg, png, webp, gif, avif] = await Promise.all([
    base().jpeg().toBuffer(),
    base().png().toBuffer(),
    base().webp().toBuffer(),
    base().gif().toBuffer(),
    base().avif({ effort: 0 }).toBuffer(),
  ]);
  return { jpeg, png, webp, gif, avif };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * A PNG whose header claims width x height while its data is that of a 1x1 image: a
 * decompression bomb's header, without spending seconds compressing a real one.
 */
export async function pngWithHeaderSize(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await sharp({ create: { width: 1, height: 1, channels: 3, background: '#08f' } }).png().toBuffer());
  // Signature (8), IHDR length (4), 'IHDR' (4), width (4) at 16, height (4) at 20, ..., CRC at 29.
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}
