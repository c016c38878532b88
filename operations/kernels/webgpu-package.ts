/**
 * The `webgpu` package (Dawn for Node) is optional: it weighs 132 MB because it ships Dawn for
 * five platforms, and only machines with a GPU can use it, so the server's install leaves it
 * out (package.json gives gpu.js, which only reads navigator.gpu, a types-only stand-in).
 * Loading goes through here so every caller reports its absence the same way, with the command
 * that adds it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The Dawn build the kernels were written against (WGSL through gpu.js's WebGPU backend). */
export const WEBGPU_VERSION = '0.6.2';
export const WEBGPU_INSTALL = `npm install webgpu@${WEBGPU_VERSION}`;

export interface WebGpuModule {
  create(flags: string[]): unknown;
  globals: object;
}

export type WebGpuPackage =
  | { installed: true; version: string }
  | { installed: false; reason: string };

/**
 * What `import('webgpu')` would load, seen from `from` (a file URL or path; this module by
 * default): missing, something else under that name (gpu.js's stand-in when npm hoisted it),
 * a version other than 0.6.x (gpu.js's own webgpu@0.2.9 in a project that installs imgflow
 * as a dependency), or the one the kernels need.
 */
export function webgpuPackage(from: string | URL = import.meta.url): WebGpuPackage {
  const missing = `the webgpu package is not installed (it is optional; for GPU kernels: ${WEBGPU_INSTALL})`;
  let manifest: { name?: string; version?: string };
  try {
    manifest = JSON.parse(readFileSync(createRequire(from).resolve('webgpu/package.json'), 'utf8')) as typeof manifest;
  } catch {
    return { installed: false, reason: missing };
  }
  if (manifest.name !== 'webgpu') return { installed: false, reason: missing };
  const version = manifest.version ?? '';
  if (!version.startsWith('0.6.')) {
    return { installed: false, reason: `webgpu ${version} is installed, but the kernels need webgpu 0.6 (${WEBGPU_INSTALL})` };
  }
  return { installed: true, version };
}

/** Loads Dawn, or throws an error whose message says what to install. */
export async function loadWebGpu(): Promise<WebGpuModule> {
  const found = webgpuPackage();
  if (!found.installed) throw Object.assign(new Error(found.reason), { code: 'IMGFLOW_WEBGPU_NOT_INSTALLED' });
  try {
    // A specifier in a variable: the package is optional, so the typecheck must not need it.
    const specifier = 'webgpu';
    return (await import(specifier)) as WebGpuModule;
  } catch (err) {
    throw new Error(`webgpu ${found.version} failed to load: ${(err as Error).message.split('\n')[0]}`);
  }
}
