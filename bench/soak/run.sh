#!/usr/bin/env bash
# Latency of well-behaved MLflow clients while idle and slow connections are held open against
# `twin server` on 127.0.0.1 (the load of issue "slow and idle clients stop the server").
# $1 is the build folder. SOAK_SECONDS (default 20) bounds the run.
set -euo pipefail
"$1/bench/soak/soak_bench" "$1/twin" "${SOAK_SECONDS:-20}" "${SOAK_IDLE:-200}" "${SOAK_SLOW:-8}" \
  "${SOAK_CLIENTS:-8}"
