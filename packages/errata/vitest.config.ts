/**
 * The Effect 4 edition's tests: vitest 5 and @effect/vitest 4, on Node 22 (`scripts/test-effect4.sh`);
 * the Effect 3 suite at the root leaves this package out. Tests run against the sources, as the
 * root's do: `errata` and `errata/<module>` are this package's `src/`, `@errata/dialect` is the
 * dialect's `src/` and its fixtures, so no build is needed first.
 */
import { availableParallelism } from "node:os"
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

// Vite takes the first entry that matches, so the longer subpaths come first.
const alias = [
  { find: /^@errata\/dialect\/fixtures\/(.+)$/, replacement: here("../dialect/fixtures/$1.ts") },
  { find: /^@errata\/dialect\/(.+)$/, replacement: here("../dialect/src/$1.ts") },
  { find: /^@errata\/dialect$/, replacement: here("../dialect/src/index.ts") },
  { find: /^errata\/(client|server|api)$/, replacement: here("./src/$1/index.ts") },
  { find: /^errata\/(.+)$/, replacement: here("./src/$1.ts") },
  { find: /^errata$/, replacement: here("./src/index.ts") }
]

export default defineConfig({
  resolve: { alias },
  test: {
    include: ["test/**/*.test.ts", "docs/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // At least two workers, even on two cores (the default there is one): most tests wait on
    // sockets, servers and live clocks rather than compute.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // `*.test-d.ts`: compiled by tsc with this package's check config; a type error fails the run.
    typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "./tsconfig.check.json" }
  }
})
