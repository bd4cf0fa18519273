import type { TestProjectConfiguration } from "vitest/config"
import { alias } from "./vitest.shared.js"

const project = (name: string, extra: { readonly include?: ReadonlyArray<string> } = {}) => ({
  resolve: { alias },
  test: {
    name,
    root: `./packages/${name}`,
    include: ["test/**/*.test.ts", ...(extra.include ?? [])],
    typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "../../tsconfig.check.json" },
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})

/** One project per package, plus the docs whose samples are compiled and run. */
export const projects: Array<TestProjectConfiguration> = [
  project("core"),
  project("client"),
  project("server"),
  project("demo"),
  {
    resolve: { alias },
    test: { name: "docs", root: "./docs", include: ["**/*.test.ts"], testTimeout: 60_000 }
  }
]
