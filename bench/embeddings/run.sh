#!/usr/bin/env bash
# twin's in-process sentence-transformers encoder against PyTorch (Debian python3-torch) on the
# same MiniLM-sized random model (6 layers, hidden 384, 12 heads, intermediate 1536) and the same
# texts, with the same thread count, in the same run: sentences/s at 32 and 256 tokens, the ratio,
# and each process's peak resident memory. Goal: >= 1.5x PyTorch.
# BENCH_THREADS (default: nproc), BENCH_TEXTS_32 (default 512) and BENCH_TEXTS_256 (default 128).
set -euo pipefail
build="$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bench="$build/bench/embeddings/embeddings_bench"
[ -x "$bench" ] || { echo "no $bench: build with TWIN_BUILD_BENCH=ON" >&2; exit 1; }
threads="${BENCH_THREADS:-$(nproc)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$here/torch_bench.py" prepare "$work" "${BENCH_TEXTS_32:-512}" "${BENCH_TEXTS_256:-128}"
for tokens in 32 256; do
  twin_json="$(OPENBLAS_NUM_THREADS="$threads" "$bench" "$work/minilm" "$work/texts_$tokens.txt" "$threads")"
  # Debian's torch calls the system BLAS (OpenBLAS) without telling it torch.set_num_threads, so
  # OpenBLAS would use every core whatever THREADS says: its own variable makes the count the same.
  torch_json="$(OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" \
    /usr/bin/python3 "$here/torch_bench.py" run "$work" "$work/texts_$tokens.txt" "$threads")"
  /usr/bin/python3 - "$tokens" "$threads" "$twin_json" "$torch_json" <<'PY'
import json, sys
tokens, threads, twin, torch = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
print(f"seq {tokens:>3} tokens, {threads} threads, {twin['sentences']} sentences: "
      f"twin {twin['sentences_per_s']:.1f}/s (peak RSS {twin['peak_rss_mb']:.0f} MB), "
      f"torch {torch['torch']} {torch['sentences_per_s']:.1f}/s (peak RSS {torch['peak_rss_mb']:.0f} MB), "
      f"ratio {twin['sentences_per_s'] / torch['sentences_per_s']:.2f}x")
PY
done
