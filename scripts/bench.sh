#!/usr/bin/env bash
# Runs every benchmark (bench/*/run.sh) against the given build folder, or the one named by
# BENCH_ONLY (a folder name under bench/). Each prints its figures and ratios against a
# baseline it measures in the same run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$root/build/release}" && pwd)"
status=0
for script in "$root"/bench/*/run.sh; do
  name="$(basename "$(dirname "$script")")"
  [ -n "${BENCH_ONLY:-}" ] && [ "$BENCH_ONLY" != "$name" ] && continue
  echo "== bench/$name"
  if ! bash "$script" "$build"; then
    echo "bench/$name failed" >&2
    status=1
  fi
  echo
done
exit $status
