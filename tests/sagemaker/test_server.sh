# Sourced by the SageMaker shell tests: starts tests/sagemaker/aws_service_server.py on a free
# loopback port (its URL in $url, its record of accepted requests in $work/requests.jsonl),
# points Debian's awscli ($aws, aws_) at it with client-side validation off, and defines
# check / expect_error, which count $failures; finish prints the verdict.
aws=/usr/bin/aws  # Debian's awscli (a pip-installed one earlier on PATH would be another client)
[ -x "$aws" ] || { echo "Debian's awscli is not installed (scripts/packages/sagemaker.txt)" >&2; exit 1; }
work="$(mktemp -d)"
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
/usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/aws_service_server.py" \
  --credentials AKIDTWINTEST:twin-test-secret --credentials S3RVER:S3RVER \
  --steps 1 --record "$work/requests.jsonl" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 100); do grep -q listening "$work/server.out" 2>/dev/null && break; sleep 0.1; done
url="$(sed -n 's/^listening on //p' "$work/server.out")"
[ -n "$url" ] || { cat "$work/server.err" >&2; echo "the server did not start" >&2; exit 1; }

# awscli's own validation off, so that what is rejected is rejected by the server.
printf '[default]\nparameter_validation = false\n' >"$work/config"
export AWS_CONFIG_FILE="$work/config" AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_ACCESS_KEY_ID=AKIDTWINTEST AWS_SECRET_ACCESS_KEY=twin-test-secret
export AWS_DEFAULT_REGION=eu-central-1 AWS_PAGER=
aws_() { "$aws" --endpoint-url "$url" --output json "$@"; }
failures=0
check() {  # check NAME EXPECTED ACTUAL
  if [[ "$3" == *"$2"* ]]; then echo "ok   $1"; else
    echo "FAIL $1: expected to find: $2"; echo "     got: $3"; failures=$((failures + 1)); fi
}
expect_error() {  # expect_error NAME EXPECTED COMMAND...
  local name="$1" expected="$2" out; shift 2
  if out="$("$@" 2>&1)"; then check "$name (exits non-zero)" "error" "exit 0: $out"; else
    check "$name" "$expected" "$out"; fi
}

finish() {
  if [ -s "$work/server.err" ]; then echo "server stderr:"; cat "$work/server.err"; fi
  [ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
  echo "all checks passed"
}
