import { expect } from 'chai';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gpuFallbackNotice } from '../../operations/kernels/index.ts';
import { WEBGPU_INSTALL, webgpuPackage } from '../../operations/kernels/webgpu-package.ts';

describe('the optional webgpu package', () => {
  let dir: string;
  const from = () => join(dir, 'app.js');
  const install = async (manifest: object) => {
    await mkdir(join(dir, 'node_modules/webgpu'), { recursive: true });
    await writeFile(join(dir, 'node_modules/webgpu/package.json'), JSON.stringify(manifest));
  };

  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'imgflow-webgpu-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  it('is reported missing, with the command that adds it, when nothing resolves', () => {
    const found = webgpuPackage(from());
    expect(found.installed).to.equal(false);
    expect(found.installed === false && found.reason).to.contain('not installed').and.contain('npm install webgpu@0.6.2');
  });

  it("is reported missing when the name resolves to gpu.js's types-only stand-in", async () => {
    await install({ name: '@webgpu/types', version: '0.1.74' });
    const found = webgpuPackage(from());
    expect(found.installed === false && found.reason).to.contain('not installed');
  });

  it("names the version found when it is not 0.6 (gpu.js's own 0.2.9 without our overrides)", async () => {
    await install({ name: 'webgpu', version: '0.2.9' });
    const found = webgpuPackage(from());
    expect(found.installed === false && found.reason).to.contain('webgpu 0.2.9 is installed').and.contain(WEBGPU_INSTALL);
  });

  it('is found when webgpu 0.6 is installed', async () => {
    await install({ name: 'webgpu', version: '0.6.2', main: 'index.js' });
    expect(webgpuPackage(from())).to.deep.equal({ installed: true, version: '0.6.2' });
  });

  it("stays out of the server's production install (package-lock.json): gpu.js gets the stand-in", async () => {
    const lock = JSON.parse(await readFile('package-lock.json', 'utf8')) as { packages: Record<string, { name?: string; version?: string; dev?: boolean }> };
    const dawn = Object.entries(lock.packages).filter(([path, p]) => /(^|\/)node_modules\/webgpu$/.test(path) && (p.name ?? 'webgpu') === 'webgpu' && !p.dev);
    expect(dawn.map(([path]) => path)).to.deep.equal([]);
    expect(lock.packages['node_modules/gpu.js/node_modules/webgpu']).to.include({ name: '@webgpu/types' });
  });

  it('gives a start-up line when the kernels fell back to the CPU: info for auto, warn when asked by name', () => {
    const reason = `the webgpu package is not installed (it is optional; for GPU kernels: ${WEBGPU_INSTALL})`;
    expect(gpuFallbackNotice({ requested: 'auto', mode: 'cpu', kernelClass: 'CPUKernel', fallbackReason: reason }))
      .to.deep.equal({ level: 'info', message: `kernels run on the CPU (gpu.js cpu mode): ${reason}` });
    expect(gpuFallbackNotice({ requested: 'webgpu', mode: 'cpu', kernelClass: 'CPUKernel', fallbackReason: reason })?.level).to.equal('warn');
    expect(gpuFallbackNotice({ requested: 'cpu', mode: 'cpu', kernelClass: 'CPUKernel' })).to.equal(undefined);
    expect(gpuFallbackNotice({ requested: 'auto', mode: 'webgpu', kernelClass: 'WebGPUKernel' })).to.equal(undefined);
  });
});
