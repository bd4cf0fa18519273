#!/usr/bin/env bash
# The Effect 4 edition's tests (packages/errata): vitest 5 on Node 22, which effect@4 and vitest 5
# require, fetched from the npm registry (`npx -y node@22`) whatever Node runs the rest. Arguments
# are passed to vitest (`bash scripts/test-effect4.sh test/core/Wire.test.ts`).
set -euo pipefail
cd "$(dirname "$0")/../packages/errata"
exec npx -y node@22 ./node_modules/vitest/vitest.mjs run "$@"
