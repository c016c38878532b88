import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vulkanLoaderPresent } from '../../operations/kernels/vulkan.ts';

describe('Vulkan loader check', () => {
  it('finds libvulkan.so.1 on LD_LIBRARY_PATH', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imgflow-vk-'));
    try {
      await writeFile(join(dir, 'libvulkan.so.1'), '');
      expect(vulkanLoaderPresent({ LD_LIBRARY_PATH: `/nonexistent:${dir}` })).to.equal(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
