#!/usr/bin/env bash
# `make run` (twin task demo): the LLM Twin's data path, offline. The digital_data_etl pipeline
# crawls the demo pages, a posts feed (LinkedIn crawler, headless Chromium) and this repository
# into the warehouse; the feature_engineering pipeline
# cleans, chunks and embeds them into the vector store; a retrieval finds the chunks that answer a
# question. Then what was stored and how to look at it. TWIN_EXE is the running twin.
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

echo
echo "== twin pipeline run feature_engineering --config configs/feature_engineering_demo.yaml"
"$twin" pipeline run feature_engineering --config configs/feature_engineering_demo.yaml

echo
echo "== twin vectors collections"
"$twin" vectors collections

question="Why does retrieval return the wrong chunks?"
echo
echo "== twin rag search \"$question\" --author \"Mara Ionescu\""
"$twin" rag search "$question" --author "Mara Ionescu" -k 3

# What to type next. The twin below is the one that ran: a path when twin is not on PATH.
shown="$twin"
[ "$(command -v twin 2>/dev/null)" = "$(command -v "$twin" 2>/dev/null)" ] && shown=twin
cat <<EOF

Look at what was stored:
  $shown runs show $run
  $shown runs show $run --json
  $shown runs logs $run crawl_links
  $shown warehouse find articles
  $shown warehouse find articles --filter '{"author_full_name": "Mara Ionescu"}' --json
  $shown vectors scroll embedded_articles --limit 3
  $shown vectors search embedded_articles "feature stores" -k 3
  $shown rag search "How do I evaluate a small language model?" --json

Open the dashboard: start the server in this folder with
  $shown server
then open http://127.0.0.1:8237/#/pipeline-runs/$run (all runs: #/pipelines, the documents:
#/warehouse, the vector collections: #/vectors). Qdrant clients reach the same vectors at
http://127.0.0.1:6333.

Run it again: every link is already stored and every chunk embedded, so nothing is fetched or
embedded (--param recrawl=true refetches).
EOF
