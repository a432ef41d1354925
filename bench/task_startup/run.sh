#!/usr/bin/env bash
# Start-up cost of a task runner: `twin task noop` against `make noop` and `invoke noop`
# (python3-invoke), all measured in this run with hyperfine. Each runs the same command, `true`.
# Goal: twin within 2x of make, and at least 20x faster than invoke.
set -euo pipefail
build="$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)"
twin="$build/twin"
[ -x "$twin" ] || { echo "no twin binary in $build" >&2; exit 1; }
for tool in hyperfine make invoke python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (scripts/install-deps.sh installs it)" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
printf '[tasks]\nnoop = "true"\n' >twin.toml
printf 'noop:\n\t@true\n' >Makefile
cat >tasks.py <<'PY'
from invoke import task

@task
def noop(c):
    c.run("true")
PY

runs="${BENCH_RUNS:-50}"
hyperfine --shell=none --style basic --warmup 5 --runs "$runs" \
  --export-json "$work/times.json" \
  -n "twin task noop" "$twin -q task noop" \
  -n "make noop" "make -s noop" \
  -n "invoke noop" "invoke noop" >/dev/null

python3 - "$work/times.json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
twin, make, invoke = (results[n]["mean"] * 1000 for n in ("twin task noop", "make noop", "invoke noop"))
sd = {n: results[n]["stddev"] * 1000 for n in results}
print(f"{'command':<16} {'mean ms':>9} {'stddev':>8}")
for name, mean in (("twin task noop", twin), ("make noop", make), ("invoke noop", invoke)):
    print(f"{name:<16} {mean:9.2f} {sd[name]:8.2f}")
print(f"twin / make   = {twin / make:.2f}x   (goal: <= 2x)")
print(f"invoke / twin = {invoke / twin:.1f}x   (goal: >= 20x)")
PY
