/** Shared by the upload specs: images made by code, streamed requests with node:http, store listings. */
import http from 'node:http';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { noiseRaw } from '../../_helpers/images.ts';

export async function photoJpeg(width = 640, height = 480, seed = 1): Promise<Buffer> {
  return sharp(noiseRaw(width, height, 3, seed), { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

function crc32(bytes: Buffer): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * A real, complete `width x height` PNG: 1-bit greyscale, all black, so 20000x20000 is 50 MB of
 * scanlines that deflate to a few tens of KB (sharp would take seconds to encode it).
 */
export function blackBitPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  const row = Math.ceil(width / 8) + 1; // filter byte + bits
  const raw = Buffer.alloc(row * height);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export interface StreamedAnswer {
  status: number;
  body: any;
  /** Body bytes written when the response arrived. */
  sentWhenAnswered: number;
  /** The request body was still open (not ended) when the response arrived. */
  answeredWhileStreaming: boolean;
}

/**
 * POSTs `first`, then `more()` chunks until it returns undefined (or the server answers),
 * without Content-Length unless `declaredLength` is given. Resolves with the answer and how
 * much had been sent by then; waits for each write to drain, so nothing piles up client side.
 */
export function streamPost(url: string, first: Buffer, more: () => Buffer | undefined, opts: { declaredLength?: number; holdOpenMs?: number } = {}): Promise<StreamedAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    let sent = 0;
    let ended = false;
    let answered = false;
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (opts.declaredLength !== undefined) headers['content-length'] = String(opts.declaredLength);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'POST', headers });
    req.on('response', (res) => {
      answered = true;
      const sentWhenAnswered = sent;
      const answeredWhileStreaming = !ended;
      const parts: Buffer[] = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => {
        req.destroy();
        const text = Buffer.concat(parts).toString('utf8');
        let body: unknown = text;
        try { body = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode!, body, sentWhenAnswered, answeredWhileStreaming });
      });
    });
    // The server closing mid-body is expected once it has answered.
    req.on('error', (err) => { if (!answered) reject(err); });
    const write = (buf: Buffer) => new Promise<void>((done) => {
      sent += buf.length;
      if (req.write(buf)) done();
      else req.once('drain', done);
    });
    void (async () => {
      await write(first);
      if (opts.holdOpenMs) await new Promise((r) => setTimeout(r, opts.holdOpenMs));
      for (;;) {
        if (answered || req.destroyed) return;
        const next = more();
        if (next === undefined) break;
        await write(next);
      }
      if (!answered && !req.destroyed) {
        ended = true;
        req.end();
      }
    })().catch(() => { /* socket closed by the server */ });
  });
}

/** Every file under a directory, relative paths. */
export async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath ?? (e as { path: string }).path, e.name))).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
