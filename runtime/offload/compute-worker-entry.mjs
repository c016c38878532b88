// piscina loads this file in each worker thread. Built (dist/), the worker is JavaScript next to
// this file. In the sources it is TypeScript, and a worker thread does not inherit the main
// thread's tsx loader, so register it when .ts cannot be imported yet (a failed import stays
// cached under its URL, hence the query on the second try).
import { existsSync } from 'node:fs';

let mod;
const built = new URL('./compute-worker.js', import.meta.url);
if (existsSync(built)) {
  mod = await import(built.href);
} else {
  try {
    mod = await import('./compute-worker.ts');
  } catch (err) {
    if (err?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err;
    const { register } = await import('tsx/esm/api');
    register();
    mod = await import('./compute-worker.ts?tsx');
  }
}
export default mod.default;
