#!/usr/bin/env bash
# The warehouse against raw SQLite in the same run: bulk insert of 100k article-sized documents
# and find by an indexed field (see warehouse_bench.cc). BENCH_DOCUMENTS / BENCH_LOOKUPS override
# the sizes. Goals: at least half of raw SQLite's insert rate; a p50 find under 50 us.
set -euo pipefail
build="$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)"
bench="$build/bench/warehouse/warehouse_bench"
[ -x "$bench" ] || { echo "no $bench: build with TWIN_BUILD_BENCH=ON" >&2; exit 1; }
"$bench" "${BENCH_DOCUMENTS:-100000}" "${BENCH_LOOKUPS:-20000}"
