#!/usr/bin/env bash
# The Effect 4 edition's benchmarks (packages/errata/bench): vitest 5 bench on Node 22, as its tests,
# then the loopback load on its server (bench/server-load.ts with EDITION=effect4: the driver runs
# on the root's Node and tooling, the servers on Node 22). The load never fails the script, as in
# `pnpm bench`; the exit status is the vitest bench's.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
status=0
(cd "$root/packages/errata" && npx -y node@22 ./node_modules/vitest/vitest.mjs bench --run "$@") || status=$?
(cd "$root" && EDITION=effect4 npx vite-node --config vitest.bench.config.ts bench/server-load.ts) || true
exit "$status"
