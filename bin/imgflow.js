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
  if (existsSync(new URL('./cli.ts', import.meta.url))) {
    const { register } = await import('tsx/esm/api');
    register();
    await import('./cli.ts');
  } else {
    await import('../dist/bin/cli.js');
  }
}
