#!/usr/bin/env bash
# Peak memory of `silo run` itself (not its workers) on a 1M-row input: generates the CSV
# (int64 key, float64 value, 20-byte utf8 label; about 38 MB) in a temp directory, builds
# the CLI, runs the conformance worker's buffer_input passthrough over it, and prints the
# CLI process's VmHWM and CPU time from /proc. Run from the repository root:
#   bash bench/cli-streaming.sh [OUT_EXTENSION] [INPUT_EXTENSION]
# e.g. `bash bench/cli-streaming.sh csv csv`, `bash bench/cli-streaming.sh arrows parquet`.
set -euo pipefail
out_ext=${1:-csv}
in_ext=${2:-csv}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
build=dist/bench-cli
npx tsc -p tsconfig.build.json --outDir "$build" >/dev/null
node -e "
const fs = require('fs');
const fd = fs.openSync('$work/rows.csv', 'w');
fs.writeSync(fd, 'key,value,label\n');
let lines = [];
for (let i = 0; i < 1e6; i++) {
  lines.push(i + ',' + (i * 0.5 + 0.25) + ',label-' + String(i).padStart(14, '0'));
  if (lines.length === 10000) { fs.writeSync(fd, lines.join('\n') + '\n'); lines = []; }
}
fs.closeSync(fd);"
input=$work/rows.csv
if [ "$in_ext" != csv ]; then
  # The same rows in the other format, written by silo run itself.
  node "$build/src/cli/main.js" run samples/conformance/main.ts buffer_input --input "$input" --out "$work/rows.$in_ext" --quiet
  input=$work/rows.$in_ext
fi
node "$build/src/cli/main.js" run samples/conformance/main.ts buffer_input --input "$input" --out "$work/out.$out_ext" --quiet &
pid=$!
hwm=0
ticks=0
while kill -0 "$pid" 2>/dev/null; do
  v=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true); [ -n "$v" ] && hwm=$v
  t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || true); [ -n "$t" ] && ticks=$t
  sleep 0.2
done
wait "$pid"
echo "$in_ext -> $out_ext: $(ls -l "$input" | awk '{print $5}') bytes in; silo run peak RSS (VmHWM) $((hwm / 1024)) MB, CPU $(awk "BEGIN {print $ticks / $(getconf CLK_TCK)}") s"
