#!/usr/bin/env bash
# The README's main command: set up, build, then run the demo (a local ZooKeeper unless ZK_CONNECT is set).
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
bash scripts/setup.sh
npx turbo run build --output-logs=errors-only >/dev/null
exec node packages/examples/dist/demo.js "$@"
