#!/usr/bin/env bash
# The Effect 4 edition's tests (packages/errata, then packages/demo-effect4): vitest 5 on Node 22,
# which effect@4 and vitest 5 require, fetched from the npm registry (`npx -y node@22`) whatever
# Node runs the rest. Arguments are passed to errata's run (`bash scripts/test-effect4.sh
# test/core/Wire.test.ts`), which then runs alone: they name errata's files.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/packages/errata"
npx -y node@22 ./node_modules/vitest/vitest.mjs run "$@"
if [ "$#" -eq 0 ]; then
  cd "$root/packages/demo-effect4"
  npx -y node@22 ./node_modules/vitest/vitest.mjs run
fi
