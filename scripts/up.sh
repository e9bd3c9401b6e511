#!/usr/bin/env bash
# One command from a fresh checkout to a running local cluster: installs what is missing, builds, runs `vt up`
# (arguments are passed through, e.g. --keyspace customer:-80,80-) and prints how to connect.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build >/dev/null
exec ./bin/run.js up "$@"
