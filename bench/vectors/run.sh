#!/usr/bin/env bash
# The embedded vector store against the raw libraries it is built on, in the same run:
# ANN search QPS and recall@10 against hnswlib called directly at the same ef, a 1%-selective
# filtered search, and upsert points/s against raw SQLite inserts of the same rows.
# BENCH_VECTORS (default 100000) and BENCH_QUERIES (default 300) shrink it for quick runs.
# Goals: >= 0.9x raw hnswlib QPS at recall@10 >= 0.95; filtered recall 1.0.
set -euo pipefail
build="$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)"
bench="$build/bench/vectors/vectors_bench"
[ -x "$bench" ] || { echo "no $bench: build with TWIN_BUILD_BENCH=ON" >&2; exit 1; }
"$bench" "${BENCH_VECTORS:-100000}" "${BENCH_QUERIES:-300}"
