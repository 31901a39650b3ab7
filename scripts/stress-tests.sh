#!/usr/bin/env bash
# Runs the whole test suite RUNS times (default 10) from a fresh clone of HEAD with no ../shared
# beside it, each run shuffled (--sequence.shuffle --sequence.seed=<run number>) and with a
# busy-loop process per core started beside it, so a test that passes only on a quiet machine or
# in one order shows up. Prints the load average and the failed tests of each run, then a summary.
#
#   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test bash scripts/stress-tests.sh [RUNS] [FIRST_SEED]
#
# Without TEST_DATABASE_URL the tests use the embedded PGlite (slower). STRESS_DIR chooses where the
# clone goes (default: a new directory under /tmp); STRESS_LOAD=0 runs without the extra load.
set -euo pipefail

runs=${1:-10}
first=${2:-1}
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
base=${STRESS_DIR:-$(mktemp -d /tmp/earshot-stress.XXXXXX)}
clone="$base/earshot"
load=${STRESS_LOAD:-1}
cores=$(nproc)

if [ ! -d "$clone" ]; then
  git clone -q "$repo" "$clone"
  (cd "$clone" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
echo "clone: $clone at $(git -C "$clone" rev-parse --short HEAD); $cores cores; load processes: $([ "$load" = 1 ] && echo "$cores" || echo 0)"

loaders=()
stop_load() {
  for pid in "${loaders[@]}"; do kill "$pid" 2>/dev/null || true; done
  loaders=()
}
trap stop_load EXIT

passed=0
summary=()
for ((i = first; i < first + runs; i++)); do
  if [ "$load" = 1 ]; then
    for ((c = 0; c < cores; c++)); do
      node -e 'for (;;) {}' &
      loaders+=("$!")
    done
  fi
  before=$(cut -d' ' -f1-3 /proc/loadavg)
  log="$base/run-$i.log"
  start=$(date +%s)
  if (cd "$clone" && npx vitest run --sequence.shuffle --sequence.seed="$i" >"$log" 2>&1); then
    result=pass
    passed=$((passed + 1))
  else
    result=FAIL
  fi
  after=$(cut -d' ' -f1-3 /proc/loadavg)
  stop_load
  tests=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^ +Tests ' | tail -1 | sed 's/^ *//')
  line="run $i (seed $i): $result in $(($(date +%s) - start)) s; load before $before, after $after; $tests"
  echo "$line"
  summary+=("$line")
  if [ "$result" = FAIL ]; then
    sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^ *(FAIL|×) ' | sed 's/^/    /' | sort -u | head -30
  fi
done

echo
echo "$passed of $runs runs passed (logs in $base)"
printf '%s\n' "${summary[@]}"
[ "$passed" = "$runs" ]
