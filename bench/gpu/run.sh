#!/bin/sh
# On the GPU machine, from the repository root: unpack the bundle, print the adapter, run the bench.
set -eu
dir=${TMPDIR:-/tmp}/imgflow-gpu
rm -rf "$dir" && mkdir -p "$dir" && tar -C "$dir" -xJf bench/gpu/bundle.tar.xz
b="$dir/bundle"
export LD_LIBRARY_PATH="$b/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$dir}
if [ -z "${VK_DRIVER_FILES:-}" ]; then
  for f in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json; do
    [ -f "$f" ] && export VK_DRIVER_FILES="$f" && break
  done
fi
echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-<none found>}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
ldd "$b/node_modules/webgpu/dist/linux-x64/dawn.node" 2>/dev/null | grep -i "not found" || true
cd "$b"
# 1. adapter first: no NVIDIA adapter, no figures
./bin/node --input-type=module -e "
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const a = await create([]).requestAdapter();
  if (!a) { console.error('NO WEBGPU ADAPTER: not a GPU result, stopping'); process.exit(2); }
  console.log('adapter', JSON.stringify(a.info));
  if (!/nvidia/i.test(a.info.vendor + a.info.description)) { console.error('adapter is not NVIDIA: stopping'); process.exit(3); }
"
# 2. the bench on WebGPU; the first line must say mode webgpu / WebGPUKernel
./bin/node --import tsx bench/kernels.ts --gpu webgpu --size 2048 --runs 5 | tee "$dir/kernels-webgpu.txt"
grep -q '"kernelClass":"WebGPUKernel"' "$dir/kernels-webgpu.txt" || { echo 'gpu.js did not run on WebGPU: not a GPU result'; exit 4; }
# 3. DeepDream on WebGPU (issue 19): the 512 px schedule, 3 rounds; the backend line must name
#    WebGPUKernel once the dream ran, and the figures go beside the CPU ones in bench/deepdream.md (target 2 s)
./bin/node --import tsx bench/deepdream.ts --backend gpu --torch off --rounds 3 | tee "$dir/deepdream-webgpu.txt"
grep -q '^ran on .*WebGPUKernel' "$dir/deepdream-webgpu.txt" || { echo 'the dream did not run on WebGPU: not a GPU result'; exit 5; }
