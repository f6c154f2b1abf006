#!/usr/bin/env bash
# All the tests, from a fresh clone after `npm install`. Installs what it needs; skips nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "system packages"
bash scripts/ensure-system-deps.sh

step "build"
npm run --silent build

step "formatting (prettier)"
npx prettier --check . >/dev/null || { npx prettier --check . ; exit 1; }

step "types (strict) and the public API report"
npm run --silent typecheck
npx tsx scripts/api-report.ts --check

step "bundle size budget"
npx size-limit

step "generated docs are current"
npx tsx scripts/gen-docs.ts --check

step "unit tests"
npx vitest run --project unit

# Integration and end-to-end tests carry SIP and WebRTC: they run in a network namespace with only
# loopback, so that ICE never reaches the machine's other addresses.
step "integration and end-to-end tests (loopback-only network namespace)"
unshare -n sh -c 'ip link set lo up && npx vitest run --project integration --project e2e'
