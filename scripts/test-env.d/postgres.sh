# Sourced by scripts/test-env.sh: starts (or reuses) a throwaway PostgreSQL cluster for the tests
# and exports TWIN_TEST_POSTGRES_URI. Idempotent: a cluster already running from an earlier run is
# reused, so several test runs (and worktrees) share one cluster; each test makes its own database.
# The cluster lives under /tmp, listens on 127.0.0.1 only with trust authentication, and is left
# running after the tests. initdb refuses to run as root, so as root the server runs as `postgres`.
# Set TWIN_TEST_POSTGRES_URI beforehand to use another server instead.

twin_start_test_postgres() {
  local bin_dir data_dir run_dir lock port uri as_postgres=()
  bin_dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$bin_dir" ] || [ ! -x "$bin_dir/initdb" ]; then
    echo "test-env: PostgreSQL server not installed (scripts/install-deps.sh installs it)" >&2
    return 1
  fi
  run_dir="/tmp/twin-test-postgres-$(id -u)"
  data_dir="$run_dir/data"
  mkdir -p "$run_dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$run_dir"
    as_postgres=(runuser -u postgres --)
  fi
  lock="$run_dir/start.lock"
  exec {twin_pg_lock_fd}>"$lock"
  flock "$twin_pg_lock_fd"

  if [ -f "$run_dir/port" ] && "${as_postgres[@]}" "$bin_dir/pg_ctl" -D "$data_dir" status >/dev/null 2>&1; then
    port="$(cat "$run_dir/port")"
  else
    if [ ! -f "$data_dir/PG_VERSION" ]; then
      "${as_postgres[@]}" "$bin_dir/initdb" -D "$data_dir" -U postgres -A trust -E UTF8 \
        --locale=C.UTF-8 >"$run_dir/initdb.log" 2>&1 || {
        echo "test-env: initdb failed, see $run_dir/initdb.log" >&2
        flock -u "$twin_pg_lock_fd"
        return 1
      }
    fi
    port=55432
    while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
    "${as_postgres[@]}" "$bin_dir/pg_ctl" -D "$data_dir" -l "$run_dir/server.log" -w -t 60 \
      -o "-p $port -k $run_dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null || {
      echo "test-env: PostgreSQL failed to start, see $run_dir/server.log" >&2
      flock -u "$twin_pg_lock_fd"
      return 1
    }
    echo "$port" >"$run_dir/port"
  fi
  flock -u "$twin_pg_lock_fd"
  exec {twin_pg_lock_fd}>&-
  uri="postgresql://postgres@127.0.0.1:$port/postgres"
  export TWIN_TEST_POSTGRES_URI="$uri"
}

if [ -z "${TWIN_TEST_POSTGRES_URI:-}" ]; then
  twin_start_test_postgres
fi
unset -f twin_start_test_postgres
