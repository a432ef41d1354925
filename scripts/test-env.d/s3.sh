# Sourced by scripts/test-env.sh: starts (or reuses) a local S3 server for the tests and exports
# TWIN_TEST_S3_ENDPOINT (http://127.0.0.1:PORT). The server is @20minutes/s3rver, pinned in
# web/package.json: it verifies SigV4 signatures (keys S3RVER / S3RVER), unlike plain s3rver.
# Like the PostgreSQL cluster it is shared by test runs and left running; each test uses its own
# bucket or prefix. Set TWIN_TEST_S3_ENDPOINT beforehand to use another server.

twin_start_test_s3rver() {
  local here root run_dir port bin
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  root="$(cd "$here/../.." && pwd)"
  bin="$root/web/tests/s3rver.mjs"
  if [ ! -d "$root/web/node_modules/@20minutes/s3rver" ]; then
    (cd "$root/web" && npm install --no-audit --no-fund >/dev/null 2>&1) || true
  fi
  if [ ! -d "$root/web/node_modules/@20minutes/s3rver" ] || ! command -v node >/dev/null; then
    echo "test-env: @20minutes/s3rver is not installed (npm install in web/); S3 tests will skip" >&2
    return 0
  fi
  run_dir="/tmp/twin-test-s3rver-$(id -u)"
  mkdir -p "$run_dir/data"
  exec {twin_s3_lock_fd}>"$run_dir/start.lock"
  flock "$twin_s3_lock_fd"
  if [ -f "$run_dir/port" ] && (echo >"/dev/tcp/127.0.0.1/$(cat "$run_dir/port")") 2>/dev/null; then
    port="$(cat "$run_dir/port")"
  else
    port=45680
    while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
    # s3rver makes ListObjectsV2 continuation tokens with a cipher that OpenSSL 3 keeps in its
    # legacy provider.
    nohup node --openssl-legacy-provider "$bin" -d "$run_dir/data" -a 127.0.0.1 -p "$port" --silent --no-vhost-buckets \
      >"$run_dir/server.log" 2>&1 &
    local tries=0
    until (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
      tries=$((tries + 1))
      if [ "$tries" -gt 100 ]; then
        echo "test-env: s3rver did not start, see $run_dir/server.log" >&2
        flock -u "$twin_s3_lock_fd"
        return 0
      fi
      sleep 0.1
    done
    echo "$port" >"$run_dir/port"
  fi
  flock -u "$twin_s3_lock_fd"
  exec {twin_s3_lock_fd}>&-
  export TWIN_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
}

if [ -z "${TWIN_TEST_S3_ENDPOINT:-}" ]; then
  twin_start_test_s3rver
fi
unset -f twin_start_test_s3rver
