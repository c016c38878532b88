#!/usr/bin/env node
/**
 * postinstall: deletes what the server never loads from two packages that offer no smaller form.
 * - onnxruntime-node (optional: DeepDream's fast cpu engine) ships its native library for six
 *   platforms, 287 MB unpacked, of which this machine loads one (linux-x64: 45 MB). Set
 *   IMGFLOW_KEEP_ALL_PLATFORMS=1 to keep them (a node_modules built on one platform and copied
 *   to another).
 * - nsfwjs ships three models (38 MB); DeepDream reads only inception_v3's weight files
 *   (operations/deepdream/nsfwjs-inception.ts), so the two mobilenets (10 MB) go.
 * Only when this repository itself is installed (npm run in it: INIT_CWD is this folder): in a
 * project that depends on imgflow these packages are the project's, shared, and not ours to cut.
 */
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

if (process.env.INIT_CWD !== undefined && process.env.INIT_CWD !== process.cwd()) process.exit(0);

const require = createRequire(join(process.cwd(), 'package.json'));
const sizeOf = (path) => statSync(path).isDirectory() ? readdirSync(path).reduce((n, f) => n + sizeOf(join(path, f)), 0) : statSync(path).size;
const remove = (dir) => {
  const bytes = sizeOf(dir);
  rmSync(dir, { recursive: true, force: true });
  return bytes;
};
/** The package's folder, or undefined when it is not installed (onnxruntime-node is optional). */
const packageDir = (name) => {
  let dir;
  try {
    dir = dirname(require.resolve(name));
  } catch {
    return undefined;
  }
  // Walk up from the entry point: an `exports` map may refuse `<name>/package.json` (nsfwjs does).
  while (!(existsSync(join(dir, 'package.json')) && JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === name)) {
    if (dirname(dir) === dir) return undefined;
    dir = dirname(dir);
  }
  return dir;
};

function pruneOnnxruntime() {
  const root = packageDir('onnxruntime-node');
  const bins = root && join(root, 'bin', 'napi-v6');
  if (!bins || !existsSync(bins) || process.env.IMGFLOW_KEEP_ALL_PLATFORMS === '1') return 0;
  const keep = join(bins, process.platform, process.arch);
  if (!existsSync(keep)) {
    console.warn(`imgflow: onnxruntime-node has no binary for ${process.platform}/${process.arch}; nothing pruned`);
    return 0;
  }
  let freed = 0;
  for (const os of readdirSync(bins)) {
    for (const arch of readdirSync(join(bins, os))) {
      const dir = join(bins, os, arch);
      if (dir !== keep && statSync(dir).isDirectory()) freed += remove(dir);
    }
    if (readdirSync(join(bins, os)).length === 0) rmSync(join(bins, os), { recursive: true, force: true });
  }
  return freed;
}

function pruneNsfwjsModels() {
  const models = packageDir('nsfwjs') && join(packageDir('nsfwjs'), 'dist', 'models');
  if (!models || !existsSync(join(models, 'inception_v3'))) return 0;
  let freed = 0;
  for (const name of readdirSync(models)) {
    const dir = join(models, name);
    if (name !== 'inception_v3' && statSync(dir).isDirectory()) freed += remove(dir);
  }
  return freed;
}

const freed = pruneOnnxruntime() + pruneNsfwjsModels();
if (freed > 0) console.log(`imgflow: removed ${Math.round(freed / 2 ** 20)} MB the server never loads (other platforms' onnxruntime binaries, nsfwjs's mobilenet models); IMGFLOW_KEEP_ALL_PLATFORMS=1 keeps the binaries`);
