import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { ApiError, Catalog } from "@errata/core"

// SPEC.md §2, read from the contract itself so the catalog cannot drift from it unnoticed.
const specRows = (): ReadonlyArray<ReadonlyArray<string>> => {
  const spec = readFileSync(fileURLToPath(new URL("../../../docs/SPEC.md", import.meta.url)), "utf8")
  const section = spec.slice(spec.indexOf("## 2. The catalog"), spec.indexOf("## 3."))
  return section
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) => line.split("|").slice(1, -1).map((cell) => cell.trim().replaceAll("`", "")))
}

const pascal = (code: string) =>
  code.toLowerCase().split("_").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("")

describe("Catalog", () => {
  it("has exactly the rows of SPEC.md §2, in order", () => {
    const rows = specRows()
    expect(rows).toHaveLength(12)
    expect(Catalog.all.map((e) => [e.code, String(e.status), e.category, e.transient ? "yes" : "no"])).toEqual(
      rows.map(([code, status, category, transient]) => [code, status, category, transient])
    )
  })

  it("tags are the PascalCase form of the codes and classes carry them", () => {
    for (const entry of Catalog.all) {
      expect(entry.tag).toBe(pascal(entry.code))
      const error = ApiError.make(entry.code)
      expect(error._tag).toBe(entry.tag)
      expect(error.code).toBe(entry.code)
      expect(error.status).toBe(entry.status)
      expect(error.category).toBe(entry.category)
      expect(error.transient).toBe(entry.transient)
      expect(error.message).toBe(entry.message)
    }
  })

  it("looks codes up, and rejects outsiders", () => {
    expect(Catalog.byCode("NOT_FOUND")?.tag).toBe("NotFound")
    expect(Catalog.byCode("RATE_LIMIT_EXCEEDED")?.status).toBe(429)
    expect(Catalog.byCode("RATE_LIMITED")).toBeUndefined()
    expect(Catalog.byCode("toString")).toBeUndefined()
    expect(Catalog.codes).toEqual(Catalog.all.map((e) => e.code))
    expect([...new Set(Catalog.all.map((e) => e.category))]).toEqual(["authentication", "validation", "resource", "rate limiting", "server"])
  })
})
