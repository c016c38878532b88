/**
 * Bundles the editor (server/editor/app) with esbuild into content-hashed files in
 * server/editor/assets plus manifest.json, which the server reads. The output is committed:
 * production installs (`npm ci --omit=dev`) have neither esbuild nor React, and the server
 * must serve the editor without a build step or a CDN. spec/server/editor.spec.ts rebuilds in
 * memory and fails when the committed files are stale.
 *
 *   npm run build:editor
 */
import { build, type BuildOptions } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { EditorManifest } from './page.ts';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ASSETS_DIR = join(HERE, 'assets');


export interface EditorBuild {
  manifest: EditorManifest;
  /** File name (in assets/) -> contents. */
  files: Map<string, Uint8Array>;
}

const options: BuildOptions = {
  entryPoints: { editor: join(HERE, 'app', 'main.tsx') },
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  legalComments: 'none',
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  // Named by our own hash of the contents below: esbuild's [hash] also covers the input paths,
  // so a checkout elsewhere (or node_modules linked from elsewhere) would name the same bytes
  // differently and the committed build would look stale.
  entryNames: '[name]',
  outdir: ASSETS_DIR,
  write: false,
  logLevel: 'silent',
};

export async function buildEditor(): Promise<EditorBuild> {
  const result = await build(options);
  const files = new Map<string, Uint8Array>();
  for (const f of result.outputFiles ?? []) {
    const name = basename(f.path);
    const dot = name.lastIndexOf('.');
    const hash = createHash('sha256').update(f.contents).digest('base64url').replace(/[-_]/g, '').slice(0, 10).toUpperCase();
    files.set(`${name.slice(0, dot)}-${hash}${name.slice(dot)}`, f.contents);
  }
  const names = [...files.keys()];
  const script = names.find((n) => n.endsWith('.js'));
  const style = names.find((n) => n.endsWith('.css'));
  if (!script || !style) throw new Error(`editor build made ${names.join(', ')}: expected one .js and one .css`);
  return { manifest: { script, style }, files };
}

export function manifestText(m: EditorManifest): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}

async function writeBuild(): Promise<void> {
  const { manifest, files } = await buildEditor();
  await mkdir(ASSETS_DIR, { recursive: true });
  // Old hashed files go: only what the manifest names is served.
  for (const name of await readdir(ASSETS_DIR)) await rm(join(ASSETS_DIR, name));
  for (const [name, contents] of files) await writeFile(join(ASSETS_DIR, name), contents);
  await writeFile(join(ASSETS_DIR, 'manifest.json'), manifestText(manifest));
  for (const [name, contents] of files) console.log(`${name}  ${(contents.length / 1024).toFixed(0)} KiB`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await writeBuild();
