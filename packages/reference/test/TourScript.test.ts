import { describe, expect, it } from "@effect/vitest"
import * as Catalog from "@errata/dialect/Catalog"
import { ApiKeys, TourScript } from "@errata/reference"

// The rows a tour that showed everything would print: each case its expected outcome, transient
// failures given up after `retry.times + 1` attempts, recoveries after two.
const good = (): Array<TourScript.Row> => [
  ...TourScript.cases.map((of): TourScript.Row => {
    const entry = Catalog.all.find((e) => e.tag === of.expected)
    const outcome: TourScript.Outcome = of.expected === "ok"
      ? { _tag: "Success", status: 200, requestId: "r" }
      : {
        _tag: "Failure",
        tag: of.expected,
        code: entry?.code,
        status: entry?.status ?? 502,
        requestId: "r",
        attempts: of.transient === true ? TourScript.retry.times + 1 : 1
      }
    return TourScript.row(of, outcome, of.transient === true ? 2 : 1, of.label === TourScript.retryAfterLabel ? 1000 : 5)
  }),
  TourScript.oneRecordRow(1, 1)
]

describe("TourScript.problems", () => {
  it("finds none in a tour that showed everything", () => {
    expect(TourScript.problems(good())).toStrictEqual([])
  })

  it("names a case with the wrong outcome, a retry count off, an unhurried Retry-After and a missing code", () => {
    const rows = good()
    const at = (label: string) => rows.findIndex((r) => r.label === label)
    const set = (label: string, change: Partial<TourScript.Row>) => {
      const index = at(label)
      const row = rows[index]
      if (row !== undefined) rows[index] = { ...row, ...change }
    }
    set("unknown API key", { tag: "UnexpectedResponse", code: "-", status: 502 })
    set("503 on every attempt", { attempts: 2 })
    set(TourScript.retryAfterLabel, { millis: 10 })
    set("contact that does not exist", { attempts: 2 })
    expect(TourScript.problems(rows)).toStrictEqual([
      "unknown API key: UnexpectedResponse, meant Unauthorized",
      "UNAUTHORIZED never seen",
      "the drift case: 502 after 1 attempts",
      "contact that does not exist: NOT_FOUND asked 2 times",
      "503 on every attempt: gave up after 2 attempts",
      "the Retry-After case took 10 ms"
    ])
  })
})

describe("TourScript.parseArguments", () => {
  it("takes a URL and the keys a server printed, and refuses anything else", () => {
    const registry = ApiKeys.registry()
    const keys = { admin: registry.issue("admin", [], "pro"), readOnly: registry.issue("read-only", [], "pro"), throttled: registry.issue("throttled", [], "tiny") }
    expect(TourScript.parseArguments(["http://127.0.0.1:8080", JSON.stringify(keys)])).toStrictEqual({ baseUrl: "http://127.0.0.1:8080", keys })
    expect(TourScript.parseArguments(["not a url", JSON.stringify(keys)])).toBeUndefined()
    expect(TourScript.parseArguments(["http://127.0.0.1:8080", "{}"])).toBeUndefined()
    expect(TourScript.parseArguments([])).toBeUndefined()
  })
})
