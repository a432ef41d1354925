#!/usr/bin/env bash
# `make run` (twin task demo): the digital_data_etl pipeline, offline, on the demo pages and this
# repository, then what was stored and how to look at it. TWIN_EXE is the running twin.
set -euo pipefail
twin=${TWIN_EXE:-twin}
cd "${TWIN_ROOT:-$(dirname "$0")/../..}"

echo "== twin pipeline run digital_data_etl --config configs/digital_data_etl_demo.yaml"
out=$("$twin" pipeline run digital_data_etl --config configs/digital_data_etl_demo.yaml)
printf '%s\n' "$out"
run=$(printf '%s\n' "$out" | sed -n 's/^run \([0-9a-f]*\) .*/\1/p' | tail -n 1)

echo
echo "== twin warehouse stats"
"$twin" warehouse stats

cat <<EOF

Look at what was stored (twin is $twin):
  twin runs show $run                the run, its steps and how many documents it stored
  twin runs show $run --json         + per-domain metadata and the ids of the stored documents
  twin runs logs $run crawl_links    the crawl step's log
  twin warehouse find articles       the articles, with the run and step run that wrote each
  twin warehouse find articles --filter '{"author_full_name": "Mara Ionescu"}' --json
  twin warehouse find repositories --limit 1

Open the dashboard on this run: start `twin server` (in this folder), then open
  http://127.0.0.1:8237/#/pipeline-runs/$run      (all runs: http://127.0.0.1:8237/#/pipelines,
  the stored documents: http://127.0.0.1:8237/#/warehouse)

Run it again: every link is already stored, so nothing is fetched (--param recrawl=true refetches).
EOF
