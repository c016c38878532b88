#!/usr/bin/env node
// In a checkout (the TypeScript sources are here) runs them through tsx's loader, so a stale
// build never answers for the sources; in an installed package (sources not shipped), the
// compiled CLI in dist/, without tsx.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The server's V8 flags (as in `npm start` and the Procfile): with a small old-space limit V8
// may settle into a full mark-compact every few image requests; V8 flags only act at launch,
// so `imgflow serve` starts itself again with them.
const SERVER_FLAGS = ['--initial-old-space-size=128'];

if (process.argv[2] === 'serve' && !process.execArgv.some((a) => a.startsWith('--initial-old-space-size'))) {
  const child = spawn(process.execPath, [...SERVER_FLAGS, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  const checkout = existsSync(new URL('./cli.ts', import.meta.url));
  const built = existsSync(new URL('../dist/bin/cli.js', import.meta.url));
  // A checkout pruned to its production dependencies (`npm prune --omit=dev` after a build, as
  // the Dockerfile does) has no tsx: its build is then the only thing that can answer.
  const tsx = checkout ? await import('tsx/esm/api').catch((err) => {
    if (err.code !== 'ERR_MODULE_NOT_FOUND') throw err;
    return undefined;
  }) : undefined;
  if (tsx) {
    tsx.register();
    await import('./cli.ts');
  } else if (built) {
    await import('../dist/bin/cli.js');
  } else {
    console.error('imgflow: dist/ is not built and tsx (a dev dependency) is not installed: run `npm install`, which builds dist/');
    process.exit(1);
  }
}
