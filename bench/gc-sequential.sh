#!/usr/bin/env bash
# Sequential resize requests against a server started with given node flags; counts V8
# mark-compacts and the server's CPU per request.
#   bash bench/gc-sequential.sh [node flags...]     e.g.  bash bench/gc-sequential.sh --initial-old-space-size=128
# Needs bench/out/test.jpg (bench/resize-cpu.ts makes it). Every request has a new input URL,
# served chunked by a small local origin, so the result cache never answers.
set -u
cd "$(dirname "$0")/.."
PORT=${PORT:-8094}; ORIGIN_PORT=${ORIGIN_PORT:-9915}; N=${N:-100}
node -e "
  const jpeg = require('fs').readFileSync('bench/out/test.jpg');
  require('http').createServer((q, r) => { r.writeHead(200, { 'content-type': 'image/jpeg' }); r.end(jpeg); }).listen($ORIGIN_PORT, '127.0.0.1');
" & origin=$!
IMGFLOW_CACHE_STORE=none IMGFLOW_ALLOW_PRIVATE_SOURCES=1 IMGFLOW_HOST=127.0.0.1 PORT=$PORT \
  node --trace-gc "$@" --import tsx server/main.ts > bench/out/gc-sequential.log 2>&1 & server=$!
trap 'kill $server $origin 2>/dev/null' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.2; done
for i in $(seq 1 10); do curl -s -o /dev/null "http://127.0.0.1:$PORT/graph/resize.webp?width=400&input=http://127.0.0.1:$ORIGIN_PORT/warm$i.jpg"; done
start=$(wc -l < bench/out/gc-sequential.log)
c0=$(awk '{print $14+$15}' /proc/$server/stat)
for i in $(seq 1 "$N"); do curl -s -o /dev/null "http://127.0.0.1:$PORT/graph/resize.webp?width=400&input=http://127.0.0.1:$ORIGIN_PORT/r$RANDOM$i.jpg"; done
c1=$(awk '{print $14+$15}' /proc/$server/stat)
mc=$(tail -n +"$start" bench/out/gc-sequential.log | grep -c "Mark-Compact")
echo "flags: ${*:-(none)}  requests: $N  server CPU ms/request: $(( (c1 - c0) * 10 / N ))  mark-compacts: $mc"
