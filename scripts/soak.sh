#!/usr/bin/env bash
# zkit under random faults: a 3-node ensemble, client processes, an observer (see soak/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
bash scripts/setup.sh
npx turbo run build --output-logs=errors-only >/dev/null
exec node soak/dist/main.js "$@"
