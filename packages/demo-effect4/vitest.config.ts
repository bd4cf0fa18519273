/**
 * The Effect 4 demo's tests: vitest 5 and @effect/vitest 4, on Node 22 (`scripts/test-effect4.sh`
 * runs them after errata's). As errata's own tests do, they run against the sources: `errata` and
 * `errata/<module>` are errata's `src/`, `@errata/dialect` the dialect's and `@errata/reference`
 * the reference package's, so no build is needed first.
 */
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

// Vite takes the first entry that matches, so the longer subpaths come first.
const alias = [
  { find: /^@errata\/dialect\/(.+)$/, replacement: here("../dialect/src/$1.ts") },
  { find: /^@errata\/dialect$/, replacement: here("../dialect/src/index.ts") },
  { find: /^@errata\/reference\/(.+)$/, replacement: here("../reference/src/$1.ts") },
  { find: /^@errata\/reference$/, replacement: here("../reference/src/index.ts") },
  { find: /^errata\/server\/NodeServer$/, replacement: here("../errata/src/server/NodeServer.ts") },
  { find: /^errata\/(client|server|api)$/, replacement: here("../errata/src/$1/index.ts") },
  { find: /^errata\/(.+)$/, replacement: here("../errata/src/$1.ts") },
  { find: /^errata$/, replacement: here("../errata/src/index.ts") }
]

export default defineConfig({
  resolve: { alias },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
