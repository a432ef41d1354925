#!/usr/bin/env bash
# Throughput of the Hugging Face Hub API on loopback: `twin hub upload` of a 200 MB file to a
# `twin server` (LFS multipart: preupload, batch, 13 parts, commit; the server checks size and
# SHA-256 and stores the blob in its artifact store) and `twin hub download` of it back (into a
# fresh Hugging Face cache, verified, then copied to -o), against `cp` of the same file on the same
# disk, all in this run. Warm page cache throughout; every copy lands in the same work folder.
# BENCH_HUB_MB sets the size.
set -euo pipefail
build="$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)"
twin="$build/twin"
[ -x "$twin" ] || { echo "no twin binary in $build" >&2; exit 1; }

megabytes="${BENCH_HUB_MB:-200}"
# Beside the build, so the server's artifact store, the cache and the plain copy share one disk.
work="$(mktemp -d "$build/hub-bench.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/project" "$work/source"
head -c "$((megabytes * 1024 * 1024))" /dev/urandom >"$work/source/model.bin"
bytes=$(stat -c %s "$work/source/model.bin")

token="hf_bench_token"
(cd "$work/project" && TWIN_SERVER_TOKEN=$token exec "$twin" server --port 0 --qdrant-port -1 \
  >"$work/server.log" 2>&1) &
server_pid=$!
url=""
for _ in $(seq 1 100); do
  url="$(grep -o 'http://127.0.0.1:[0-9]*' "$work/server.log" | head -1 || true)"
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "twin server did not start:" >&2; cat "$work/server.log" >&2; exit 1; }

now() { date +%s.%N; }
seconds() { python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$1" "$2"; }

start=$(now); cp "$work/source/model.bin" "$work/copy.bin"; end=$(now)
copy=$(seconds "$start" "$end")

export HF_ENDPOINT="$url" HF_TOKEN="$token" HF_HOME="$work/hf"
start=$(now); "$twin" -q hub upload bench/model "$work/source" >/dev/null; end=$(now)
upload=$(seconds "$start" "$end")
start=$(now); "$twin" -q hub download bench/model -o "$work/out" >/dev/null; end=$(now)
download=$(seconds "$start" "$end")
cmp -s "$work/source/model.bin" "$work/out/model.bin" || { echo "the download differs" >&2; exit 1; }

python3 - "$bytes" "$copy" "$upload" "$download" <<'PY'
import sys
size, copy, upload, download = int(sys.argv[1]), *map(float, sys.argv[2:])
mb = size / 1e6
print(f"{'operation':<34} {'seconds':>8} {'MB/s':>8}")
for name, t in (("cp (baseline)", copy), ("twin hub upload (LFS multipart)", upload),
                ("twin hub download (verified)", download)):
    print(f"{name:<34} {t:8.3f} {mb / t:8.1f}")
print(f"upload   = {upload / copy:.1f}x the time of cp")
print(f"download = {download / copy:.1f}x the time of cp")
PY
