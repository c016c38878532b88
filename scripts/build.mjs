// Builds the package: TypeScript to JavaScript with declarations in dist/ (tsc, with
// rewriteRelativeImportExtensions turning the sources' .ts imports into .js), then the files
// tsc does not emit but the code loads at run time (worker entries, assets) copied alongside.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';

const SOURCES = ['runtime', 'operations', 'ui-protocol', 'server', 'rig', 'bin'];
// What tsc handles, or what has no use at run time (the editor's .tsx sources are bundled into
// committed assets by `npm run build:editor`).
const SKIP = new Set(['.ts', '.tsx', '.md']);

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // `npm install --omit=dev` in a checkout runs prepare without TypeScript: keep what is built.
  console.warn('imgflow build: typescript is not installed; dist/ left as it is');
  process.exit(0);
}
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copyAssets(path);
    else if (!SKIP.has(extname(name))) cpSync(path, join('dist', path));
  }
}
for (const dir of SOURCES) copyAssets(dir);
