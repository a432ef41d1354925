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
names = ("twin task noop", "make noop", "invoke noop")
wall = {n: results[n]["mean"] * 1000 for n in names}
sd = {n: results[n]["stddev"] * 1000 for n in names}
# CPU time (user + system, children included) barely moves when other work shares the machine,
# so it is printed next to wall time: on a busy machine, judge by the CPU ratios.
cpu = {n: (results[n]["user"] + results[n]["system"]) * 1000 for n in names}
print(f"{'command':<16} {'wall ms':>9} {'stddev':>8} {'cpu ms':>8}")
for name in names:
    print(f"{name:<16} {wall[name]:9.2f} {sd[name]:8.2f} {cpu[name]:8.2f}")
twin, make, invoke = (wall[n] for n in names)
print(f"twin / make   = {twin / make:.2f}x wall, "
      f"{cpu['twin task noop'] / cpu['make noop']:.2f}x cpu   (goal: <= 2x)")
print(f"invoke / twin = {invoke / twin:.1f}x wall, "
      f"{cpu['invoke noop'] / cpu['twin task noop']:.1f}x cpu   (goal: >= 20x)")
PY
libraries="$(ldd "$twin" | grep -c '=>')"
echo "shared libraries twin maps at start-up: $libraries (twin-full: $(ldd "$build/twin-full" | grep -c '=>'))"
