#!/usr/bin/env bash
# Runs a test command with the services the tests need. Modules that need a service (a
# PostgreSQL cluster, say) add a script scripts/test-env.d/<name>.sh that starts it and exports
# what the tests read; each is sourced here before the command runs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
shopt -s nullglob
for setup in "$here"/test-env.d/*.sh; do
  # shellcheck source=/dev/null
  source "$setup"
done
"$@"
