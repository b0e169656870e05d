#!/usr/bin/env bash
# stress.sh runs a package's tests N times while another go test keeps both
# cores busy, and prints the failures: a test that fails here depends on
# the machine's speed and must be made deterministic.
#   scripts/stress.sh [package] [runs]     (default: . 20)
set -u
pkg=${1:-.}
runs=${2:-20}
cd "$(dirname "$0")/.."
out=$(mktemp -d)
go test -c -race -o "$out/pkg.test" "$pkg" || exit 2
# The load: the pushtest suite, over and over, on every core.
( while :; do go test -count=1 -race ./pushtest >/dev/null 2>&1; done ) &
load=$!
# On exit, stop the load and everything under it (go test and its test
# binary), children before parents so that none is left orphaned.
killtree() {
  local c
  for c in $(pgrep -P "$1"); do killtree "$c"; done
  kill "$1" 2>/dev/null
}
trap 'killtree $load' EXIT
fails=0
for i in $(seq 1 "$runs"); do
  if (cd "$pkg" && "$out/pkg.test" -test.count=1 -test.timeout=10m >"$out/run$i.txt" 2>&1); then
    echo "run $i: ok"
  else
    fails=$((fails + 1))
    echo "run $i: FAIL"
    grep -E '^\s*--- FAIL|Error:|Error Trace|expected|actual' "$out/run$i.txt" | head -20
  fi
done
echo "$fails of $runs runs failed (logs in $out)"
[ "$fails" -eq 0 ]
