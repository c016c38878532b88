/**
 * Dawn (the `webgpu` package) reaches GPUs on Linux through the Vulkan loader. Without
 * libvulkan.so.1 it can find no adapter, and loading it only prints a warning to stderr, so
 * the probes look for the loader first.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const LIBRARY_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/usr/local/lib'];

export function vulkanLoaderPresent(env: NodeJS.ProcessEnv = process.env): boolean {
  if (process.platform !== 'linux') return true; // Dawn uses Metal / D3D elsewhere
  const dirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...LIBRARY_DIRS];
  return dirs.some((dir) => existsSync(join(dir, 'libvulkan.so.1')));
}
