#!/usr/bin/env bash
# Pipeline benchmarks. $1: the build folder.
#  1. pipeline_bench: 100-step chain and 100-wide fan-out of no-op C++ steps, all metadata written
#     to a fresh SQLite store, vs 100 bare SQLite insert transactions (same run). The headline is
#     the default artifact durability, `[fsync=batch]` (one flush per run); `[fsync=each]` (an
#     fsync per blob, the old default) and `[fsync=none]` follow for comparison.
#  2. `twin pipeline run` of a YAML pipeline with two independent one-second command steps
#     (parallel: ~1 s, serial would be 2 s), then the same run again (entirely cached).
set -euo pipefail
build="$1"
"$build/bench/pipelines/pipeline_bench"

twin="$build/twin"
project="$(mktemp -d)"
trap 'rm -rf "$project"' EXIT
touch "$project/twin.toml"
cat > "$project/two.yaml" <<'YAML'
name: two_sleeps
steps:
  a: {run: 'sleep 1; echo a > "$TWIN_OUTPUT_o"', outputs: [o]}
  b: {run: 'sleep 1; echo b > "$TWIN_OUTPUT_o"', outputs: [o]}
YAML
now_ms() { date +%s%3N; }
start=$(now_ms); "$twin" -C "$project" -q pipeline run two.yaml --jobs 2 >/dev/null; first=$(( $(now_ms) - start ))
start=$(now_ms); "$twin" -C "$project" -q pipeline run two.yaml --jobs 2 >/dev/null; cached=$(( $(now_ms) - start ))
start=$(now_ms); "$twin" -C "$project" -q pipeline run two.yaml --jobs 1 --no-cache >/dev/null; serial=$(( $(now_ms) - start ))
echo "two_1s_steps_parallel_ms $first"
echo "two_1s_steps_serial_ms $serial (--jobs 1, baseline)"
echo "two_1s_steps_cached_rerun_ms $cached"
awk -v p="$first" -v s="$serial" -v c="$cached" 'BEGIN {
  printf "parallel_vs_serial_ratio %.2f\n", p / s;
  printf "cached_rerun_vs_first_ratio %.3f\n", c / p }'
