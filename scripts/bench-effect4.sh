#!/usr/bin/env bash
# The Effect 4 edition's benchmarks (packages/errata/bench): vitest 5 bench on Node 22, as its tests.
set -euo pipefail
cd "$(dirname "$0")/../packages/errata"
exec npx -y node@22 ./node_modules/vitest/vitest.mjs bench --run "$@"
