import { describe, expect, it } from "@effect/vitest"
import { Catalog as DialectCatalog } from "@errata/dialect"
import { ApiError, Catalog } from "@errata/core"

// The rows themselves are checked against SPEC.md §2 in @errata/dialect, where they live.
describe("Catalog", () => {
  it("is @errata/dialect's catalog, re-exported as it is", () => {
    expect(Catalog.entries).toBe(DialectCatalog.entries)
    expect(Catalog.all).toBe(DialectCatalog.all)
    expect(Catalog.codes).toBe(DialectCatalog.codes)
    expect(Catalog.byCode).toBe(DialectCatalog.byCode)
  })

  it("the classes carry the facts of their row", () => {
    for (const entry of Catalog.all) {
      const error = ApiError.make(entry.code)
      expect(error._tag).toBe(entry.tag)
      expect(error.code).toBe(entry.code)
      expect(error.status).toBe(entry.status)
      expect(error.category).toBe(entry.category)
      expect(error.transient).toBe(entry.transient)
      expect(error.message).toBe(entry.message)
      expect(Catalog.byCode(entry.code)).toBe(entry)
    }
  })
})
