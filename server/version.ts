/**
 * The package's root and version. Found by walking up from this file, because it runs from
 * server/ in the sources and from dist/server/ when built.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): { root: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'imgflow') return { root: dir, version: pkg.version ?? '0.0.0' };
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`imgflow's package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

const found = findPackageRoot();

/** The directory of imgflow's package.json (holds graphs/, the bundled graphs). */
export const packageRoot: string = found.root;
export const version: string = found.version;
