import { describe, expect, it } from "vitest"
import { Catalog, RetryAfter } from "@errata/dialect"
import { cases, ignoredHeaders, message } from "@errata/dialect/fixtures/golden"

// The golden cases are checked against each edition elsewhere; here, against the dialect itself.
describe("golden wire cases", () => {
  it("one case per catalog code, in catalog order", () => {
    expect(Object.keys(cases)).toEqual(Catalog.codes)
  })

  for (const entry of Catalog.all) {
    it(`${entry.code}: the catalog's status, the wire body of SPEC.md §1, headers of §4`, () => {
      const golden = cases[entry.code]
      expect(golden.status).toBe(entry.status)
      const details = entry.code === "RATE_LIMIT_EXCEEDED"
        ? { ...golden.details, retryAfter: RetryAfter.toSeconds(Number(golden.details?.["retryAfter"]) * 1000) }
        : golden.details
      expect(JSON.parse(golden.body)).toStrictEqual({
        error: { code: entry.code, message, ...(details === undefined ? {} : { details }) }
      })
      expect(golden.headers["content-type"]).toBe("application/json")
      expect(golden.headers["content-length"]).toBe(String(new TextEncoder().encode(golden.body).byteLength))
      expect(golden.headers["retry-after"]).toBe(entry.status === 429 ? String(details?.["retryAfter"]) : undefined)
      for (const name of Object.keys(golden.headers)) {
        expect(name).toBe(name.toLowerCase())
        expect([...ignoredHeaders, "x-request-id"]).not.toContain(name)
      }
    })
  }
})
