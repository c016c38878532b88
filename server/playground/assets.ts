/**
 * The playground's static files (static/), read once at start and served under a content hash
 * (`/playground/assets/app.3f2a9c1b.js`) with a year-long immutable Cache-Control: a new
 * version has a new URL. The page maps the plain module names to the hashed ones with an
 * import map, so modules import each other by their plain names.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const STATIC_DIR = fileURLToPath(new URL('./static', import.meta.url));
export const ASSET_PREFIX = '/playground/assets/';

const TYPES: ReadonlyMap<string, string> = new Map([
  ['.js', 'text/javascript; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
  ['.svg', 'image/svg+xml'],
]);

export interface Asset {
  /** The file's own name, e.g. app.js. */
  name: string;
  /** The name it is served under, e.g. app.3f2a9c1b.js. */
  hashed: string;
  type: string;
  bytes: Buffer;
}

export interface Assets {
  /** By plain and by hashed name. */
  get(name: string): Asset | undefined;
  /** The URL of a file, hashed. */
  url(name: string): string;
  /** The import map entries: plain module URL -> hashed module URL. */
  importMap(): Record<string, string>;
}

export function loadAssets(dir = STATIC_DIR): Assets {
  const byName = new Map<string, Asset>();
  for (const name of readdirSync(dir).sort()) {
    const type = TYPES.get(extname(name));
    if (!type) continue;
    const bytes = readFileSync(join(dir, name));
    const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 10);
    const ext = extname(name);
    const asset: Asset = { name, hashed: `${name.slice(0, -ext.length)}.${hash}${ext}`, type, bytes };
    byName.set(name, asset);
    byName.set(asset.hashed, asset);
  }
  const url = (name: string) => {
    const a = byName.get(name);
    if (!a) throw new Error(`playground asset ${name} is missing`);
    return `${ASSET_PREFIX}${a.hashed}`;
  };
  return {
    get: (name) => byName.get(name),
    url,
    importMap: () => Object.fromEntries([...byName.values()].filter((a) => a.name.endsWith('.js') && a.name !== a.hashed && byName.get(a.name) === a).map((a) => [`${ASSET_PREFIX}${a.name}`, url(a.name)])),
  };
}
