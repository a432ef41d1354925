#!/usr/bin/env bash
# Metric points per second through the C++ API and REST log-batch against raw SQLite inserts of
# the same rows, and the latency of one 1000-metric log-batch,
# and runs/search in SQL against loading every run and filtering in C++. $1 is the build folder.
set -euo pipefail
"$1/bench/tracking/tracking_bench" "${TRACKING_BENCH_POINTS:-200000}" "${TRACKING_BENCH_RUNS:-3000}"
