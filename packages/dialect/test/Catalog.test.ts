import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { Catalog } from "@errata/dialect"

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

  it("tags are the PascalCase form of the codes", () => {
    for (const entry of Catalog.all) expect(entry.tag).toBe(pascal(entry.code))
    expect(new Set(Catalog.all.map((e) => e.tag)).size).toBe(12)
  })

  it("every row has a message for people, and entries are keyed by their code", () => {
    for (const entry of Catalog.all) {
      expect(entry.message.length).toBeGreaterThan(0)
      expect(Catalog.entries[entry.code]).toBe(entry)
    }
  })

  it("the transient codes are exactly 429, 500 and 503 (SPEC.md §5)", () => {
    expect(Catalog.all.filter((e) => e.transient).map((e) => e.status)).toEqual([429, 500, 503])
  })

  it("looks codes up, and rejects outsiders", () => {
    expect(Catalog.byCode("NOT_FOUND")?.tag).toBe("NotFound")
    expect(Catalog.byCode("RATE_LIMIT_EXCEEDED")?.status).toBe(429)
    expect(Catalog.byCode("RATE_LIMITED")).toBeUndefined()
    expect(Catalog.byCode("not_found")).toBeUndefined()
    expect(Catalog.byCode("toString")).toBeUndefined()
    expect(Catalog.byCode("__proto__")).toBeUndefined()
    expect(Catalog.codes).toEqual(Catalog.all.map((e) => e.code))
    expect([...new Set(Catalog.all.map((e) => e.category))]).toEqual(["authentication", "validation", "resource", "rate limiting", "server"])
  })
})
