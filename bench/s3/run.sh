#!/usr/bin/env bash
# twin's S3 client against the AWS CLI (aws s3 cp) on the same local S3 server (s3rver, started
# as for the tests by scripts/test-env.d/s3.sh), in the same run: put and get of 1 MB and
# 100 MB blobs (see s3_bench.cc). BENCH_S3_REPEATS_1MB / BENCH_S3_REPEATS_100MB override the
# copies per size. Goal: at least the AWS CLI's throughput.
set -euo pipefail
build="$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bench="$build/bench/s3/s3_bench"
[ -x "$bench" ] || { echo "no $bench: build with TWIN_BUILD_BENCH=ON" >&2; exit 1; }
# shellcheck source=/dev/null
source "$root/scripts/test-env.d/s3.sh"
[ -n "${TWIN_TEST_S3_ENDPOINT:-}" ] || { echo "no local S3 server (see scripts/test-env.d/s3.sh)" >&2; exit 1; }
export no_proxy="${no_proxy:+$no_proxy,}127.0.0.1" NO_PROXY="${NO_PROXY:+$NO_PROXY,}127.0.0.1"
"$bench" "$TWIN_TEST_S3_ENDPOINT" "${BENCH_S3_REPEATS_1MB:-10}" "${BENCH_S3_REPEATS_100MB:-2}"
