import { readdirSync } from "node:fs"
import { fileURLToPath } from "node:url"

const packages = ["dialect", "core", "api", "client", "server", "reference"] as const

const source = (name: string, module: string) =>
  fileURLToPath(new URL(`./packages/${name}/src/${module}.ts`, import.meta.url))

// `@errata/<name>/<Module>` for each public module (the exports map's "./*"), so that a module kept
// out of the index (`@errata/server/NodeServer`) resolves too. They come first: Vite takes the
// first entry that matches, and `@errata/server` alone would match `@errata/server/NodeServer`.
const subpaths = packages.flatMap((name) =>
  readdirSync(new URL(`./packages/${name}/src/`, import.meta.url))
    .filter((file) => file.endsWith(".ts") && file !== "index.ts")
    .map((file) => [`@errata/${name}/${file.slice(0, -3)}`, source(name, file.slice(0, -3))] as const)
)

// The dialect's shared test data (`@errata/dialect/fixtures/golden`), beside its sources.
const fixtures = readdirSync(new URL("./packages/dialect/fixtures/", import.meta.url))
  .filter((file) => file.endsWith(".ts"))
  .map((file) =>
    [
      `@errata/dialect/fixtures/${file.slice(0, -3)}`,
      fileURLToPath(new URL(`./packages/dialect/fixtures/${file}`, import.meta.url))
    ] as const
  )

/**
 * Tests run against the sources, so `pnpm test` needs no build first. An object, as both Vite and
 * esbuild (the load bench's bundle) take it.
 */
export const alias: Record<string, string> = Object.fromEntries([
  ...fixtures,
  ...subpaths,
  ...packages.map((name) => [`@errata/${name}`, source(name, "index")] as const)
])
