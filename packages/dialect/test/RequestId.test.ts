import { describe, expect, it } from "vitest"
import { RequestId } from "@errata/dialect"

describe("RequestId", () => {
  it("names: the X-Request-ID header lower-cased, the log annotation and the span attribute", () => {
    expect(RequestId.header).toBe("x-request-id")
    expect(RequestId.logAnnotation).toBe("requestId")
    expect(RequestId.spanAttribute).toBe("http.request.id")
    expect(RequestId.maxLength).toBe(128)
  })

  it("isSafe: 1 to 128 characters of [A-Za-z0-9_.:-]", () => {
    for (const id of ["a", "req_42", "550e8400-e29b-41d4-a716-446655440000", "trace:span.1", "A".repeat(128)]) {
      expect(RequestId.isSafe(id), id).toBe(true)
    }
  })

  it("isSafe: CR/LF, control characters, spaces, other punctuation, non-ASCII, over 128, empty: replaced", () => {
    const unsafe = [
      "",
      "A".repeat(129),
      "x".repeat(100_000),
      "req\r\nSet-Cookie: a=b",
      "req\n",
      "req\u0000",
      "req\u001b[31m",
      "req\u007f",
      "a b",
      "a/b",
      "a=b",
      "<script>",
      "ré",
      "req\u2028"
    ]
    for (const id of unsafe) expect(RequestId.isSafe(id), JSON.stringify(id)).toBe(false)
  })

  it("isSafe: only strings", () => {
    for (const value of [undefined, null, 42, ["req_1"], { id: "req_1" }]) expect(RequestId.isSafe(value)).toBe(false)
  })

  it("generate: safe, distinct, one random prefix per process and a counter", () => {
    const ids = Array.from({ length: 10_000 }, RequestId.generate)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids.slice(0, 100)) {
      expect(RequestId.isSafe(id)).toBe(true)
      expect(id).toMatch(/^[0-9a-f]{16}-\d+$/)
    }
    const prefixes = new Set(ids.map((id) => id.slice(0, 16)))
    expect(prefixes.size).toBe(1)
    const counters = ids.map((id) => Number(id.slice(17)))
    expect(counters.every((n, i) => i === 0 || n === (counters[i - 1] ?? 0) + 1)).toBe(true)
  })

  it("generator: the default without a custom one; a custom ID when safe, else the default", () => {
    expect(RequestId.generator(undefined)).toBe(RequestId.generate)
    expect(RequestId.generator(() => "custom-1")()).toBe("custom-1")
    for (const bad of ["", "with space", "x".repeat(129), "a\r\nb"]) {
      const id = RequestId.generator(() => bad)()
      expect(id).not.toBe(bad)
      expect(id).toMatch(/^[0-9a-f]{16}-\d+$/)
    }
  })
})
