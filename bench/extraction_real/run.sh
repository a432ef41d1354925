#!/usr/bin/env bash
# Extraction on real pages: token F1 / precision / recall (the team's extract_f1.py) and
# throughput (MB of HTML per CPU second) of twin's extractor, readability-lxml
# (python3-readability) and python3-html2text on the 130 pages of Mozilla Readability's test suite
# (shared/data/readability-test-pages), plus twin's metadata score against
# expected-metadata.json, in one run. Throughput alternates the three REPS times so a change in
# machine load hits all of them; medians and ratios are printed.
# Usage: bench/extraction_real/run.sh BUILD_DIR   (SECONDS_PER_RUN=n, REPS=n; defaults 2 and 3;
# WORST=n lists the n pages where twin scores lowest, default 10)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)"
bench="$build/bench/extraction_real/real_extraction_bench"
seconds="${SECONDS_PER_RUN:-2}"
reps="${REPS:-3}"
python=/usr/bin/python3
shared="$here/../../../shared"  # shared/ beside the repository
data="$shared/data/readability-test-pages"
f1_tool="$shared/tools/extract_f1.py"
if [ ! -d "$data/pages" ] || [ ! -f "$f1_tool" ]; then
  echo "skipped: $data/pages or $f1_tool not found"
  exit 0
fi
[ -x "$bench" ] || { echo "build $bench first (cmake --build --preset release)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

pages="$data/pages"
count="$(ls -d "$pages"/*/ | wc -l)"
bytes="$(cat "$pages"/*/source.html | wc -c)"
echo "page set: $count real pages (readability-test-pages), $((bytes / 1024)) KiB of HTML"

"$bench" predict "$pages" "$tmp/twin.json"
"$python" "$here/baselines.py" predict readability "$pages" "$tmp/readability.json"
"$python" "$here/baselines.py" predict html2text "$pages" "$tmp/html2text.json"
echo "F1 twin            $("$python" "$f1_tool" "$data/ground-truth.json" "$tmp/twin.json")"
echo "F1 readability-lxml $("$python" "$f1_tool" "$data/ground-truth.json" "$tmp/readability.json")"
echo "F1 html2text       $("$python" "$f1_tool" "$data/ground-truth.json" "$tmp/html2text.json")"
echo "metadata twin            $("$python" "$here/metadata_score.py" "$pages" "$tmp/twin.json")"
echo "metadata readability-lxml $("$python" "$here/metadata_score.py" "$pages" "$tmp/readability.json" | sed 's/, byline.*/ (no byline)/')"
echo "extraction paths (twin): $("$python" -c '
import collections, json, sys
print(", ".join(f"{k} {v}" for k, v in collections.Counter(p["path"] for p in json.load(open(sys.argv[1])).values()).most_common()))' "$tmp/twin.json")"
echo "worst pages (twin):"
"$python" "$here/worst_pages.py" "$f1_tool" "$data/ground-truth.json" "$tmp/twin.json" "${WORST:-10}"

twin_runs=()
readability_runs=()
html2text_runs=()
for _ in $(seq "$reps"); do
  twin_runs+=("$("$bench" throughput "$pages" "$seconds" | awk '/^extract /{print $2}')")
  readability_runs+=("$("$python" "$here/baselines.py" throughput readability "$pages" "$seconds" |
    awk '/^readability /{print $2}')")
  html2text_runs+=("$("$python" "$here/baselines.py" throughput html2text "$pages" "$seconds" |
    awk '/^html2text /{print $2}')")
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END{print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
twin="$(median "${twin_runs[@]}")"
readability="$(median "${readability_runs[@]}")"
html2text="$(median "${html2text_runs[@]}")"
printf 'throughput twin extract     %8.2f MB/s (median of %s runs: %s)\n' "$twin" "$reps" "${twin_runs[*]}"
printf 'throughput readability-lxml %8.2f MB/s (median of %s runs: %s)\n' "$readability" "$reps" "${readability_runs[*]}"
printf 'throughput html2text        %8.2f MB/s (median of %s runs: %s)\n' "$html2text" "$reps" "${html2text_runs[*]}"
printf 'ratio twin / readability-lxml %6.1fx (goal 10x; per CPU second)\n' \
  "$(awk -v a="$twin" -v b="$readability" 'BEGIN{print a/b}')"
printf 'ratio twin / html2text        %6.1fx\n' "$(awk -v a="$twin" -v b="$html2text" 'BEGIN{print a/b}')"
