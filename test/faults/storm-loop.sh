#!/usr/bin/env bash
# Runs the storm (test/faults/storm.test.ts) N times in a row (default 10) and counts the passes;
# each run's output is kept under a temporary directory for a post-mortem. Needs TEST_DATABASE_URL.
#   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test bash test/faults/storm-loop.sh 10
set -uo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-10}
out=$(mktemp -d -t earshot-storm-XXXX)
passed=0
for i in $(seq 1 "$runs"); do
  if npx vitest run --config vitest.faults.config.ts test/faults/storm.test.ts >"$out/run-$i.log" 2>&1; then
    passed=$((passed + 1)); result=pass
  else
    result=FAIL
  fi
  echo "run $i: $result $(grep -ao 'storm: .*' "$out/run-$i.log" | head -1 | cut -c1-400)"
done
echo "storm: $passed of $runs runs passed (logs in $out)"
[ "$passed" -eq "$runs" ]
