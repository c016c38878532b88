// piscina loads this file in each band thread. The sources are TypeScript and a worker thread
// does not inherit the main thread's tsx loader, so register it when .ts cannot be imported
// yet (a failed import stays cached under its URL, hence the query on the second try).
let mod;
try {
  mod = await import('./band-worker.ts');
} catch (err) {
  if (err?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw err;
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import('./band-worker.ts?tsx');
}
export default mod.default;
