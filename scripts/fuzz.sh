#!/usr/bin/env bash
# `make fuzz`: runs every libFuzzer target of build/fuzz (the fuzz preset) for a bounded time and
# prints, per target, the executions, the coverage libFuzzer measured (edges `cov`, features
# `ft`), the corpus size and the findings. Exits 1 when a target crashed, leaked, timed out or
# ran out of memory; the input that did it is kept in build/fuzz/run/findings/<target>/.
#
# Settings (environment): FUZZ_SECONDS per target (default 60), FUZZ_JOBS targets at once
# (default: the number of cores), FUZZ_ONLY="json_body robots_txt" to run some targets.
# Corpora grow across runs in build/fuzz/run/corpus/<target>/; each run also starts from the
# seeds in fuzz/corpus/<target>/ and from real files of the tree and of ../shared/data.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build/fuzz"
run="$build/run"
seconds="${FUZZ_SECONDS:-60}"
jobs="${FUZZ_JOBS:-$(nproc)}"
shared="$root/../shared/data"

targets=()
if [ -n "${FUZZ_ONLY:-}" ]; then
  read -r -a targets <<<"$FUZZ_ONLY"
else
  for source in "$root"/fuzz/*.cc; do targets+=("$(basename "$source" .cc)"); done
fi

# Real inputs written by others, copied as seeds next to the hand-written ones (at most 64 KiB
# each: larger seeds slow every execution down).
gather_seeds() {
  local target="$1" into="$2"
  mkdir -p "$into"
  local -a files=()
  case "$target" in
    html_extract)
      [ -d "$shared/readability-test-pages/pages" ] &&
        mapfile -t files < <(find "$shared/readability-test-pages/pages" -name source.html -size -64k | sort | head -40) ;;
    task_file)
      mapfile -t files < <(ls "$root/twin.toml" "$shared/llm-engineers-handbook/pyproject.toml" 2>/dev/null) ;;
    run_config)
      [ -d "$shared/llm-engineers-handbook/configs" ] &&
        mapfile -t files < <(find "$shared/llm-engineers-handbook/configs" -name '*.yaml' | sort) ;;
    yaml_pipeline)
      mapfile -t files < <(find "$root/configs" -name '*.yaml' | sort) ;;
    dotenv)
      mapfile -t files < <(ls "$shared/llm-engineers-handbook/env.example" 2>/dev/null) ;;
    json_body | qdrant_filter)
      [ -d "$shared/llm-engineers-handbook/artifacts" ] &&
        mapfile -t files < <(find "$shared/llm-engineers-handbook/artifacts" -name '*.json' -size -64k | sort | head -20) ;;
  esac
  local file
  for file in "${files[@]}"; do
    [ -f "$file" ] && cp "$file" "$into/$(echo "$file" | md5sum | cut -c1-12)-$(basename "$file")"
  done
}

dictionary_of() {
  case "$1" in
    json_body) echo json ;;
    mongo_filter | qdrant_filter | mlflow_filter) echo "$1" ;;
    yaml_pipeline | run_config) echo yaml ;;
    task_file) echo toml ;;
    html_extract) echo html ;;
    robots_txt) echo robots ;;
    *) echo "" ;;
  esac
}

fuzz_one() {
  local target="$1"
  local binary="$build/fuzz/fuzz_$target"
  [ -x "$binary" ] || { echo "fuzz: $binary is missing (build the fuzz preset)" >&2; return 1; }
  local corpus="$run/corpus/$target" seeds="$run/seeds/$target" findings="$run/findings/$target"
  rm -rf "$seeds"
  mkdir -p "$corpus" "$findings"
  gather_seeds "$target" "$seeds"
  local -a options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536
    -print_final_stats=1 -artifact_prefix="$findings/")
  local dict
  dict="$(dictionary_of "$target")"
  [ -n "$dict" ] && options+=(-dict="$root/fuzz/dict/$dict.dict")
  "$binary" "${options[@]}" "$corpus" "$seeds" "$root/fuzz/corpus/$target" \
    >"$run/logs/$target.log" 2>&1 && echo 0 >"$run/logs/$target.rc" || echo $? >"$run/logs/$target.rc"
}

mkdir -p "$run/logs"
rm -f "$run"/logs/*.rc
export -f fuzz_one gather_seeds dictionary_of
export build run seconds shared root
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, $jobs at a time (logs in $run/logs)"
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'fuzz_one {}'

failed=0
printf '%-14s %12s %9s %7s %8s %7s  %s\n' target executions exec/s cov ft corpus result
for target in "${targets[@]}"; do
  log="$run/logs/$target.log"
  rc="$(cat "$run/logs/$target.rc" 2>/dev/null || echo 1)"
  runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)"
  speed="$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)"
  last="$(grep -E '^#[0-9]+' "$log" | tail -1 || true)"
  cov="$(echo "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*' || true)"
  ft="$(echo "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*' || true)"
  corpus="$(find "$run/corpus/$target" -type f | wc -l)"
  result=ok
  if [ "$rc" != 0 ]; then
    failed=1
    finding="$(ls -t "$run/findings/$target" 2>/dev/null | head -1)"
    result="FAILED (exit $rc): $(grep -m1 -E 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|runtime error' "$log" || echo 'see log')"
    [ -n "$finding" ] && result+=" input: $run/findings/$target/$finding"
  fi
  printf '%-14s %12s %9s %7s %8s %7s  %s\n' "$target" "${runs:--}" "${speed:--}" "${cov:--}" "${ft:--}" "$corpus" "$result"
done
if [ "$failed" != 0 ]; then
  echo "fuzz: a target failed; reproduce with build/fuzz/fuzz/fuzz_<target> <input> (log: $run/logs/<target>.log)" >&2
fi
exit "$failed"
