#!/usr/bin/env bash
# Vector search over REST and the feature pipeline. $1: the build folder.
#  1. twin server's Qdrant API: 20,000 x 384 random unit vectors upserted over REST, then 2,000
#     searches (k=10, with payload) over REST vs the same searches on the embedded store
#     in-process (baseline): p50 / p99 and their ratio.
#  2. `twin pipeline run feature_engineering` with the Handbook's config on the Handbook's
#     warehouse export (76 articles): clean, chunk, embed (GloVe), load; then the same run again
#     (nothing to embed). Baseline: python3 running the Handbook's own cleaning and article
#     chunking code (tests/llm_twin/handbook_*.py) on the same documents.
set -euo pipefail
build="$1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
twin="$build/twin"
bench="$build/bench/feature/qdrant_rest_bench"
project="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$project"; }
trap cleanup EXIT
touch "$project/twin.toml"
n=${BENCH_VECTORS:-20000}
"$twin" -C "$project" server --port 0 --qdrant-port 0 >"$project/server.out" 2>"$project/server.err" &
server=$!
for _ in $(seq 100); do grep -q "Qdrant API" "$project/server.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's|.*Qdrant API: http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$project/server.out")
"$bench" load "$port" "$n" 384
rest=$("$bench" search "$port" 2000 384)
kill "$server"; wait "$server" 2>/dev/null || true; server=""
direct=$("$bench" direct "$project/.twin/vectors" 2000 384)
printf '%s\n%s\n' "$rest" "$direct"
printf '%s\n%s\n' "$rest" "$direct" | awk '
  { v[$1] = $2 }
  END { printf "rest_vs_direct_p50_ratio %.2f\nrest_vs_direct_p99_ratio %.2f\n",
        v["rest_search_p50_ms"] / v["direct_search_p50_ms"], v["rest_search_p99_ms"] / v["direct_search_p99_ms"] }'

handbook="$root/../shared/data/llm-engineers-handbook"
if [ ! -d "$handbook" ]; then echo "skipped: the Handbook's data is not at $handbook"; exit 0; fi
fe="$(mktemp -d)"; trap 'cleanup; rm -rf "$fe"' EXIT
touch "$fe/twin.toml"
"$twin" -C "$fe" -q warehouse import "$handbook/data_warehouse_raw_data" >/dev/null
now_ms() { date +%s%3N; }
start=$(now_ms); "$twin" -C "$fe" -q pipeline run feature_engineering --config "$handbook/configs/feature_engineering.yaml" >/dev/null; first=$(( $(now_ms) - start ))
start=$(now_ms); "$twin" -C "$fe" -q pipeline run feature_engineering --config "$handbook/configs/feature_engineering.yaml" >/dev/null; again=$(( $(now_ms) - start ))
baseline() {
  python3 - "$root/tests/llm_twin" "$handbook/artifacts/raw_documents.json" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
from handbook_cleaning import clean_text
from handbook_chunking import chunk_article, chunk_id
documents = json.load(open(sys.argv[2], encoding="utf-8"))["artifact_data"]
chunks = 0
for d in documents:
    text = clean_text(" #### ".join(v for v in d["content"].values() if v))
    chunks += len([chunk_id(c) for c in chunk_article(text, 1000, 2000)])
print(chunks)
PY
}
start=$(now_ms); baseline >/dev/null; python=$(( $(now_ms) - start ))
echo "feature_engineering_76_articles_ms $first (clean + chunk + embed + load, GloVe)"
echo "feature_engineering_rerun_ms $again (nothing embedded again)"
echo "python_handbook_clean_and_chunk_ms $python (baseline: cleaning and chunking only)"
awk -v t="$first" -v p="$python" 'BEGIN { printf "twin_full_pipeline_vs_python_clean_chunk_ratio %.2f\n", t / p }'
