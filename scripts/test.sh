#!/usr/bin/env bash
# The README's test command: set up, build, typecheck, lint, then every test against real ZooKeeper and PM2.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 PM2_DISABLE_VERSION_CHECK=true
bash scripts/setup.sh
npx turbo run build typecheck --output-logs=errors-only
npx biome check --error-on-warnings .
npx vitest run "$@"
