#!/usr/bin/env bash
# usage: bash bench/install-size.sh <checkout> <label> [npm ci flags...], e.g. . after --omit=dev
# A clean dir with only the install inputs, an empty npm cache; prints size, wall time,
# npm's CPU time (user+sys), the bytes npm downloaded (its cache afterwards) and the load.
set -euo pipefail
src=$1; label=$2; shift 2
d=$(mktemp -d /tmp/lean-XXXX); c=$(mktemp -d /tmp/lean-cache-XXXX)
cp "$src/package.json" "$src/package-lock.json" "$d/"
[ -f "$src/.npmrc" ] && cp "$src/.npmrc" "$d/"
mkdir -p "$d/vendor" "$d/scripts" && cp -r "$src/vendor/no-gl" "$d/vendor/" && cp "$src/scripts/build.mjs" "$src/scripts/prune-platform-binaries.mjs" "$d/scripts/"
cd "$d"
l0=$(cut -d' ' -f1 /proc/loadavg)
s=$(date +%s.%N)
/usr/bin/time -f '%U %S' -o "$d.cpu" npm ci "$@" --cache "$c" --no-audit --no-fund >"$d.log" 2>&1 || { echo "FAIL"; tail -20 "$d.log"; exit 1; }
e=$(date +%s.%N)
mb=$(du -sm node_modules | cut -f1)
dl=$(du -sm "$c/_cacache" | cut -f1)
cpu=$(awk '{printf "%.1f", $1+$2}' "$d.cpu")
printf '%s\t%s MB\t%.1f s\tcpu %s s\tcache %s MB\tload %s..%s\n' "$label" "$mb" "$(echo "$e - $s" | bc)" "$cpu" "$dl" "$l0" "$(cut -d' ' -f1 /proc/loadavg)"
cd /; rm -rf "$c" "$d" "$d.log" "$d.cpu"
