#!/usr/bin/env node
/**
 * postinstall: onnxruntime-node (optional: DeepDream's fast cpu engine) ships its native library
 * for six platforms, 287 MB unpacked, of which this machine loads one (linux-x64: 45 MB). The
 * package has no per-platform packages to choose from, so the other platforms' folders are
 * deleted here. Set IMGFLOW_KEEP_ALL_PLATFORMS=1 to keep them (a node_modules built on one
 * platform and copied to another).
 */
import { createRequire } from 'node:module';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

if (process.env.IMGFLOW_KEEP_ALL_PLATFORMS === '1') process.exit(0);

const require = createRequire(join(process.cwd(), 'package.json'));
let root;
try {
  root = dirname(require.resolve('onnxruntime-node/package.json'));
} catch {
  process.exit(0); // optional and not installed: nothing to prune
}

const bins = join(root, 'bin', 'napi-v6');
if (!existsSync(bins)) process.exit(0);
const keep = join(bins, process.platform, process.arch);
if (!existsSync(keep)) {
  console.warn(`imgflow: onnxruntime-node has no binary for ${process.platform}/${process.arch}; nothing pruned`);
  process.exit(0);
}

const sizeOf = (path) => statSync(path).isDirectory() ? readdirSync(path).reduce((n, f) => n + sizeOf(join(path, f)), 0) : statSync(path).size;
let freed = 0;
for (const os of readdirSync(bins)) {
  for (const arch of readdirSync(join(bins, os))) {
    const dir = join(bins, os, arch);
    if (dir === keep || !statSync(dir).isDirectory()) continue;
    freed += sizeOf(dir);
    rmSync(dir, { recursive: true, force: true });
  }
  if (readdirSync(join(bins, os)).length === 0) rmSync(join(bins, os), { recursive: true, force: true });
}
if (freed > 0) console.log(`imgflow: removed onnxruntime-node's binaries for other platforms (${Math.round(freed / 2 ** 20)} MB); IMGFLOW_KEEP_ALL_PLATFORMS=1 keeps them`);
