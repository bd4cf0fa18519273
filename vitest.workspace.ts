import type { TestProjectConfiguration } from "vitest/config"
import { alias } from "./vitest.shared.js"

const project = (name: string): TestProjectConfiguration => ({
  resolve: { alias },
  test: {
    name,
    root: `./packages/${name}`,
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})

/** One project per package, the docs whose samples are compiled and run, and the type tests. */
export const projects: Array<TestProjectConfiguration> = [
  project("dialect"),
  project("core"),
  project("api"),
  project("client"),
  project("server"),
  project("demo"),
  project("reference"),
  {
    resolve: { alias },
    test: { name: "docs", root: "./docs", include: ["**/*.test.ts"], testTimeout: 60_000 }
  },
  {
    // `*.test-d.ts` files: compiled with the whole repo's tsconfig (but the Effect 4 edition), once; a
    // type error fails the run.
    resolve: { alias },
    test: {
      name: "types",
      root: ".",
      include: [],
      typecheck: {
        enabled: true,
        only: true,
        include: ["packages/*/test/**/*.test-d.ts"],
        // The Effect 4 edition's type tests run with its own suite (scripts/test-effect4.sh).
        exclude: ["packages/errata/**"],
        tsconfig: "./tsconfig.types.json"
      }
    }
  }
]
