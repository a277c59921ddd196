#!/usr/bin/env bash
# Benchmarks zkit against a plain node-zookeeper-client, side by side (see bench/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
bash scripts/setup.sh
npx turbo run build --output-logs=errors-only >/dev/null
exec node bench/dist/main.js "$@"
