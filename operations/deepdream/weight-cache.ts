/**
 * Folded weights cached on disk, so decoding 30 MB of base64 shards and folding BatchNorm
 * happens once per machine. File: magic, u32 header length, JSON header (the net with each array
 * replaced by its [offset, length] in floats), zero padding to 4 bytes, then float32 data.
 * Written to a temporary file and renamed, so a reader never sees half a file.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Net, NetNode } from './net-types.ts';
import { loadInceptionTrunk, nsfwjsLocation } from './nsfwjs-inception.ts';

const MAGIC = 'IMGFLOW-DEEPDREAM-1\n';
const loaded = new Map<string, Net>();

/** Where the cache lives unless told: `.cache/deepdream` under the working directory. */
export const DEFAULT_CACHE_DIR = '.cache/deepdream';

export function cacheFile(cacheDir: string): string {
  return join(resolve(cacheDir), `inception_v3-nsfwjs${nsfwjsLocation().version}-folded.bin`);
}

export function serializeNet(net: Net): Buffer {
  const arrays: Float32Array[] = [];
  let floats = 0;
  const ref = (a: Float32Array): [number, number] => {
    arrays.push(a);
    floats += a.length;
    return [floats - a.length, a.length];
  };
  const nodes = net.nodes.map((n) => (n.op === 'conv' ? { ...n, conv: { ...n.conv, weights: ref(n.conv.weights), bias: ref(n.conv.bias) } } : n));
  const header = Buffer.from(JSON.stringify({ source: net.source, nodes }));
  const headerEnd = MAGIC.length + 4 + header.length;
  const dataStart = Math.ceil(headerEnd / 4) * 4;
  const buf = Buffer.alloc(dataStart + floats * 4);
  buf.write(MAGIC, 0, 'latin1');
  buf.writeUInt32LE(header.length, MAGIC.length);
  header.copy(buf, MAGIC.length + 4);
  let at = dataStart;
  for (const a of arrays) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(buf, at);
    at += a.byteLength;
  }
  return buf;
}

export function deserializeNet(buf: Buffer): Net {
  if (buf.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new Error('Not a deepdream weight cache');
  const headerLength = buf.readUInt32LE(MAGIC.length);
  const headerEnd = MAGIC.length + 4 + headerLength;
  const header = JSON.parse(buf.toString('utf8', MAGIC.length + 4, headerEnd)) as { source: string; nodes: any[] };
  const dataStart = Math.ceil(headerEnd / 4) * 4;
  // Copy out so the floats are aligned whatever the Buffer pool did.
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + dataStart, buf.byteOffset + buf.length));
  const arr = ([offset, length]: [number, number]): Float32Array => {
    if (offset + length > data.length) throw new Error('Truncated deepdream weight cache');
    return data.subarray(offset, offset + length);
  };
  const nodes: NetNode[] = header.nodes.map((n) => (n.op === 'conv' ? { ...n, conv: { ...n.conv, weights: arr(n.conv.weights), bias: arr(n.conv.bias) } } : n));
  return { source: header.source, nodes };
}

function writeAtomic(file: string, data: Buffer): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * The folded trunk: from memory, else the disk cache, else built from nsfwjs and cached.
 * A cache that cannot be read is rebuilt; one that cannot be written only costs time.
 */
export function loadNet(cacheDir: string = DEFAULT_CACHE_DIR): Net {
  const file = cacheFile(cacheDir);
  const hit = loaded.get(file);
  if (hit) return hit;
  let net: Net | undefined;
  try {
    net = deserializeNet(readFileSync(file));
  } catch {
    net = undefined;
  }
  if (!net) {
    net = loadInceptionTrunk();
    try {
      mkdirSync(resolve(cacheDir), { recursive: true });
      writeAtomic(file, serializeNet(net));
    } catch {
      // read-only disk: keep going uncached
    }
  }
  loaded.set(file, net);
  return net;
}
