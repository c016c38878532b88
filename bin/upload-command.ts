/**
 * `imgflow upload <file>`: POSTs an image to a server's /uploads (signed when a key and secret
 * are known), follows the job when the variants are not ready in the server's wait, and prints
 * one line per variant: name, MIME type, size, absolute URL.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSignedUploadUrl, type UploadManifest } from '../rig/uploads.ts';
import { loadConfig } from '../server/config.ts';

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function json(res: Response): Promise<any> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

function failure(res: Response, body: { code?: string; message?: string }): Error {
  return new Error(`${res.status} ${body.code ?? ''} ${body.message ?? ''}`.replace(/\s+/g, ' ').trim());
}

export async function uploadCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      set: { type: 'string' },
      server: { type: 'string' },
      key: { type: 'string' },
      secret: { type: 'string' },
      wait: { type: 'string', default: '300' },
      json: { type: 'boolean', default: false },
    },
  });
  const [file] = positionals;
  if (!file || positionals.length > 1) throw new Error('upload needs one file (or - for stdin)');
  const waitSeconds = Number(values.wait);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new Error(`--wait takes seconds, got ${JSON.stringify(values.wait)}`);
  const config = loadConfig({ logLevel: 'silent' });
  const server = (values.server ?? `http://localhost:${config.port}`).replace(/\/+$/, '');
  const key = values.key ?? config.appKey;
  const secret = values.secret ?? config.appSecret?.split(',')[0]?.trim();
  if (values.key !== undefined && !secret) throw new Error('--key needs --secret (or IMGFLOW_SECRET)');
  const bytes = file === '-' ? await readStdin() : await readFile(resolve(file));
  const url = key && secret
    ? await buildSignedUploadUrl({ server, key, secret, set: values.set })
    : `${server}/uploads${values.set === undefined ? '' : `?set=${encodeURIComponent(values.set)}`}`;
  const res = await fetch(url, { method: 'POST', body: new Uint8Array(bytes), headers: { 'content-type': 'application/octet-stream' } });
  let body = await json(res);
  if (res.status === 202) {
    // Not ready within the server's wait: follow the job, then read the manifest.
    const job = new URL(res.headers.get('location')!, server).toString();
    const deadline = Date.now() + waitSeconds * 1000;
    for (;;) {
      const status = await json(await fetch(job));
      if (status.state === 'failed') throw new Error(`the upload's job failed: ${status.error?.code ?? ''} ${status.error?.message ?? ''}`.trim());
      if (status.state === 'succeeded') break;
      if (Date.now() > deadline) throw new Error(`variants not ready after ${waitSeconds} s; follow ${job}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    // This set's variants, not every variant the upload has from other sets.
    const manifest = await fetch(`${server}/uploads/${body.id}?set=${encodeURIComponent(body.set)}`);
    body = await json(manifest);
    if (!manifest.ok) throw failure(manifest, body);
  } else if (!res.ok) {
    throw failure(res, body);
  }
  const manifest = body as UploadManifest;
  if (values.json) {
    console.log(JSON.stringify(manifest, null, 2));
    return;
  }
  console.log(`id\t${manifest.id}`);
  for (const [name, v] of Object.entries(manifest.variants)) {
    console.log(`${name}\t${v.type}\t${v.width}x${v.height}\t${new URL(v.url, server).toString()}`);
  }
}
