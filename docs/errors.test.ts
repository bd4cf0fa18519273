import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Catalog } from "@errata/core"
import { render } from "../scripts/errors-doc.js"

describe("docs/errors.md", () => {
  it("is what the catalog gives (run `pnpm docs:errors` after changing the catalog)", () => {
    const committed = readFileSync(fileURLToPath(new URL("./errors.md", import.meta.url)), "utf8")
    expect(committed).toBe(render())
  })

  it("has one row per catalog code", () => {
    const table = render()
    for (const entry of Catalog.all) expect(table).toContain(`| \`${entry.code}\` | \`${entry.tag}\` | ${entry.status} |`)
  })
})
