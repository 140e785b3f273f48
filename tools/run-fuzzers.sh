#!/usr/bin/env bash
# Runs every libFuzzer target built in $1 (default build/fuzz/cpp/fuzz) for FUZZ_SECONDS each,
# FUZZ_JOBS at a time, under `nice -n 19` (the machine is shared). Each target starts from its
# committed seed corpus cpp/fuzz/corpus/<name>/ (copied, so new inputs stay out of the tree) and
# writes crashes to build/fuzz/findings/<name>/. A log per target: build/fuzz/logs/<name>.log;
# its last lines give the figures (execs, time, coverage). Exits non-zero when a target finds
# something.
set -uo pipefail
bin_dir=${1:-build/fuzz/cpp/fuzz}
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-2}
only=${FUZZ_TARGETS:-}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/fuzz
mkdir -p "$out/logs"

run_one() {
  local target=$1 name
  name=$(basename "$target" _fuzz)
  local work=$out/corpus/$name findings=$out/findings/$name
  mkdir -p "$work" "$findings"
  [ -d "$root/cpp/fuzz/corpus/$name" ] && cp -n "$root/cpp/fuzz/corpus/$name"/* "$work"/ 2>/dev/null
  echo "fuzz: $name for ${seconds}s"
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
    nice -n 19 "$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 -artifact_prefix="$findings/" "$work" >"$out/logs/$name.log" 2>&1
  local rc=$?
  local summary
  summary=$(grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+.*DONE)' "$out/logs/$name.log" | tr '\n' ' ')
  echo "fuzz: $name exit $rc: $summary"
  return $rc
}

status=0
pids=()
for target in "$bin_dir"/*_fuzz; do
  [ -x "$target" ] || continue
  name=$(basename "$target" _fuzz)
  if [ -n "$only" ] && [[ " $only " != *" $name "* ]]; then continue; fi
  run_one "$target" &
  pids+=($!)
  if [ ${#pids[@]} -ge "$jobs" ]; then
    wait "${pids[0]}" || status=1
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
exit $status
