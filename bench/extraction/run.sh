#!/usr/bin/env bash
# Extraction benchmark: throughput (MB of HTML per CPU second) and token F1 of twin's article
# extractor against python3-html2text on the same page set (pages/, GROUND_TRUTH.json), in the
# same run. Both sides are measured REPS times, alternating (twin, html2text, twin, ...), so a
# change in machine load hits both; the medians and their ratio are reported.
# Usage: bench/extraction/run.sh BUILD_DIR   (SECONDS_PER_RUN=n, REPS=n; defaults 2 and 5)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)"
bench="$build/bench/extraction/extraction_bench"
seconds="${SECONDS_PER_RUN:-2}"
reps="${REPS:-5}"
python=/usr/bin/python3
f1_tool="$here/../../../shared/tools/extract_f1.py"  # shared/ beside the repository
[ -f "$f1_tool" ] || f1_tool="/work/shared/tools/extract_f1.py"
[ -x "$bench" ] || { echo "build $bench first (cmake --build --preset release)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

pages="$here/pages"
count="$(ls "$pages"/*.html | wc -l)"
bytes="$(cat "$pages"/*.html | wc -c)"
echo "page set: $count pages, $((bytes / 1024)) KiB of HTML"

"$bench" predict "$pages" "$tmp/twin.json"
"$python" "$here/html2text_baseline.py" predict "$pages" "$tmp/html2text.json"
if [ -f "$f1_tool" ]; then
  echo "F1 twin      $("$python" "$f1_tool" "$here/GROUND_TRUTH.json" "$tmp/twin.json")"
  echo "F1 html2text $("$python" "$f1_tool" "$here/GROUND_TRUTH.json" "$tmp/html2text.json")"
else
  echo "F1: $f1_tool not found, skipped"
fi

twin_runs=()
base_runs=()
for _ in $(seq "$reps"); do
  twin_runs+=("$("$bench" throughput "$pages" "$seconds" | awk '/^extract /{print $2}')")
  base_runs+=("$("$python" "$here/html2text_baseline.py" throughput "$pages" "$seconds" |
    awk '/^html2text /{print $2}')")
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END{print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
extract="$(median "${twin_runs[@]}")"
html2text="$(median "${base_runs[@]}")"
printf 'throughput twin extract    %8.2f MB/s (median of %s runs: %s)\n' "$extract" "$reps" "${twin_runs[*]}"
printf 'throughput html2text       %8.2f MB/s (median of %s runs: %s)\n' "$html2text" "$reps" "${base_runs[*]}"
printf 'ratio twin / html2text     %8.1fx (goal 10x, ideally 20x; per CPU second)\n' \
  "$(awk -v a="$extract" -v b="$html2text" 'BEGIN{print a/b}')"

parsers="$("$bench" parsers "$pages" "$seconds")"
libxml2="$(awk '/^parse_libxml2 /{print $2}' <<<"$parsers")"
gumbo="$(awk '/^parse_gumbo /{print $2}' <<<"$parsers")"
printf 'parse only, whole pages: libxml2 %.2f MB/s, gumbo %.2f MB/s (libxml2 %.1fx gumbo)\n' \
  "$libxml2" "$gumbo" "$(awk -v a="$libxml2" -v b="$gumbo" 'BEGIN{print a/b}')"
