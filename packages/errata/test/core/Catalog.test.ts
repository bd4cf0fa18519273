import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import * as SchemaAST from "effect/SchemaAST"
import { Catalog as DialectCatalog } from "@errata/dialect"
import { ApiError, Catalog } from "errata"

// SPEC.md §2, read from the contract itself, as the dialect's own test reads it: the classes of
// this edition must say what the contract says, row by row.
const specRows = (): ReadonlyArray<ReadonlyArray<string>> => {
  const spec = readFileSync(fileURLToPath(new URL("../../../../docs/SPEC.md", import.meta.url)), "utf8")
  const section = spec.slice(spec.indexOf("## 2. The catalog"), spec.indexOf("## 3."))
  return section
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) => line.split("|").slice(1, -1).map((cell) => cell.trim().replaceAll("`", "")))
}

describe("Catalog", () => {
  it("is @errata/dialect's catalog, re-exported as it is", () => {
    expect(Catalog.entries).toBe(DialectCatalog.entries)
    expect(Catalog.all).toBe(DialectCatalog.all)
    expect(Catalog.codes).toBe(DialectCatalog.codes)
    expect(Catalog.byCode).toBe(DialectCatalog.byCode)
  })

  it("the classes say what SPEC.md §2 says: code, status, category, transient", () => {
    const rows = specRows()
    expect(rows).toHaveLength(12)
    expect(
      Catalog.codes.map((code) => {
        const error = ApiError.make(code)
        return [error.code, String(error.status), error.category, error.transient ? "yes" : "no"]
      })
    ).toEqual(rows.map(([code, status, category, transient]) => [code, status, category, transient]))
  })

  it("the classes carry the facts of their row, and the catalog's message by default", () => {
    for (const entry of Catalog.all) {
      for (const error of [ApiError.make(entry.code), new (classOf(entry.code))()]) {
        expect(error._tag).toBe(entry.tag)
        expect(error.code).toBe(entry.code)
        expect(error.status).toBe(entry.status)
        expect(error.category).toBe(entry.category)
        expect(error.transient).toBe(entry.transient)
        expect(error.message).toBe(entry.message)
      }
    }
  })

  it("each class is annotated with its status under `httpApiStatus`, where HttpApi reads it", () => {
    for (const ErrorClass of ApiError.ApiError.members) {
      const code = ErrorClass.prototype.code
      expect(SchemaAST.resolve(ErrorClass.ast)?.["httpApiStatus"]).toBe(Catalog.entries[code].status)
    }
  })
})

const classOf = (code: Catalog.Code) => {
  const ErrorClass = ApiError.ApiError.members.find((member) => member.prototype.code === code)
  if (ErrorClass === undefined) return expect.unreachable(code)
  return ErrorClass
}
