import { describe, expect, it } from "vitest"
import { Catalog, WireFormat } from "@errata/dialect"
import * as Golden from "@errata/dialect/fixtures/golden"
import * as Malformed from "@errata/dialect/fixtures/malformed"

const now = Date.parse("Thu, 26 Nov 2026 10:00:00 GMT")
const json = (value: unknown) => JSON.stringify(value)

describe("WireFormat.header", () => {
  it("reads records case-insensitively, direct hit first, and the first of repeated values", () => {
    expect(WireFormat.header({ "x-request-id": "a" }, "x-request-id")).toBe("a")
    expect(WireFormat.header({ "X-Request-ID": "b" }, "x-request-id")).toBe("b")
    expect(WireFormat.header({ "x-request-id": ["c", "d"] }, "x-request-id")).toBe("c")
    expect(WireFormat.header({ "X-Request-Id": ["e"] }, "x-request-id")).toBe("e")
    expect(WireFormat.header({ "x-request-id": [] }, "x-request-id")).toBeUndefined()
    expect(WireFormat.header({ other: "x" }, "x-request-id")).toBeUndefined()
    expect(WireFormat.header(undefined, "x-request-id")).toBeUndefined()
  })

  it("reads fetch Headers", () => {
    expect(WireFormat.header(new Headers({ "X-Request-ID": "f" }), "x-request-id")).toBe("f")
    expect(WireFormat.header(new Headers(), "x-request-id")).toBeUndefined()
  })
})

describe("WireFormat.excerpt", () => {
  it("keeps at most 1024 UTF-16 code units, never half a surrogate pair", () => {
    expect(WireFormat.excerpt("short")).toBe("short")
    expect(WireFormat.excerpt("")).toBe("")
    expect(WireFormat.excerpt("x".repeat(1024))).toHaveLength(1024)
    expect(WireFormat.excerpt("x".repeat(5000))).toHaveLength(1024)
    // 😀 is two code units: at 1023 + 2 the pair would be cut, so it is left out whole.
    const cut = WireFormat.excerpt("x".repeat(1023) + "😀".repeat(10))
    expect(cut).toBe("x".repeat(1023))
    expect(WireFormat.excerpt("😀".repeat(2000))).toBe("😀".repeat(512))
  })
})

describe("WireFormat.read", () => {
  it("a catalog code: its class's tag and the code, the raw details kept, the request ID", () => {
    expect(WireFormat.read({
      status: 404,
      headers: { "X-Request-Id": "req_1" },
      body: json({ error: { code: "NOT_FOUND", message: "Contact not found", details: { id: "42" } } })
    })).toStrictEqual({ _tag: "NotFound", code: "NOT_FOUND", message: "Contact not found", details: { id: "42" }, requestId: "req_1" })
  })

  it("the bare form, parsed JSON and bytes read the same; the catalog's message when none", () => {
    const expected = { _tag: "Unauthorized", code: "UNAUTHORIZED", message: "API key missing or invalid" }
    expect(WireFormat.read({ status: 401, body: '{"code":"UNAUTHORIZED"}' })).toStrictEqual(expected)
    expect(WireFormat.read({ status: 401, body: { error: { code: "UNAUTHORIZED", message: 7 } } })).toStrictEqual(expected)
    expect(WireFormat.read({ status: 401, body: new TextEncoder().encode('\uFEFF{"code":"UNAUTHORIZED"}') })).toStrictEqual(expected)
    expect(WireFormat.read({ status: 401, body: new TextEncoder().encode('{"code":"UNAUTHORIZED"}').buffer })).toStrictEqual(expected)
  })

  it("another code: UnknownApiError with code, status, message and details", () => {
    expect(WireFormat.read({ status: 429, body: json({ code: "RATE_LIMITED", message: "slow", details: { a: 1 } }) })).toStrictEqual({
      _tag: "UnknownApiError",
      code: "RATE_LIMITED",
      status: 429,
      message: "slow",
      details: { a: 1 }
    })
    expect(WireFormat.read({ status: 418, body: '{"code":"TEAPOT"}' })).toMatchObject({ message: "API error TEAPOT" })
  })

  it("not the wire format: UnexpectedResponse with its reason, status, content type and a bounded excerpt", () => {
    const headers = { "content-type": "text/html", "x-request-id": "req_2" }
    expect(WireFormat.read({ status: 502, headers, body: "<html>Bad Gateway</html>" })).toStrictEqual({
      _tag: "UnexpectedResponse",
      reason: "InvalidJson",
      status: 502,
      excerpt: "<html>Bad Gateway</html>",
      contentType: "text/html",
      requestId: "req_2"
    })
    expect(WireFormat.read({ status: 503, body: null })).toStrictEqual({ _tag: "UnexpectedResponse", reason: "EmptyBody", status: 503, excerpt: "" })
    expect(WireFormat.read({ status: 503, body: undefined })).toMatchObject({ reason: "EmptyBody" })
    expect(WireFormat.read({ status: 500, body: "[1]" })).toMatchObject({ reason: "NotWireFormat", excerpt: "[1]" })
    expect(WireFormat.read({ status: 500, body: [1] })).toMatchObject({ reason: "NotWireFormat", excerpt: "[1]" })
    expect(WireFormat.read({ status: 500, body: "x".repeat(10_000) })).toMatchObject({ reason: "InvalidJson", excerpt: "x".repeat(1024) })
  })

  it("what a client could not read whole is UnexpectedResponse with the client's reason", () => {
    const body = new TextEncoder().encode('{"error":{"code":"SERVICE_UNAV')
    expect(WireFormat.read({ status: 503, body, unread: "TooLarge" })).toStrictEqual({
      _tag: "UnexpectedResponse",
      reason: "TooLarge",
      status: 503,
      excerpt: '{"error":{"code":"SERVICE_UNAV'
    })
    expect(WireFormat.read({ status: 404, body: null, unread: "Undecodable" })).toMatchObject({ reason: "Undecodable", excerpt: "" })
  })

  it("a 429 without details.retryAfter takes the Retry-After header into its details, in whole seconds", () => {
    const limited = (headers: WireFormat.HeadersInput, details?: unknown) =>
      WireFormat.read({ status: 429, headers, now, body: { error: { code: "RATE_LIMIT_EXCEEDED", message: "m", details } } })
    expect(limited({ "retry-after": "12" })).toMatchObject({ details: { retryAfter: 12 } })
    expect(limited({ "Retry-After": "Thu, 26 Nov 2026 10:00:09 GMT" }, { tier: "free" })).toMatchObject({ details: { tier: "free", retryAfter: 9 } })
    // The body's word wins; a wait in the past, garbage, or details that are not an object are left alone.
    expect(limited({ "retry-after": "12" }, { retryAfter: 3 })).toMatchObject({ details: { retryAfter: 3 } })
    expect(limited({ "retry-after": "Thu, 26 Nov 2026 09:00:00 GMT" })).not.toHaveProperty("details")
    expect(limited({ "retry-after": "soon" })).not.toHaveProperty("details")
    expect(limited({ "retry-after": "5" }, "later")).toMatchObject({ details: "later" })
    // Only the catalog's 429 code has the rule; another code keeps what it sent.
    expect(WireFormat.read({ status: 429, headers: { "retry-after": "5" }, body: '{"code":"RATE_LIMITED"}' })).not.toHaveProperty("details")
  })

  it("never throws, whatever the input", () => {
    const cyclic: Record<string, unknown> = {}
    cyclic["self"] = cyclic
    const bodies: ReadonlyArray<unknown> = [0, NaN, true, Symbol("s"), () => 1, new Map(), BigInt(5), cyclic, { toString: null }]
    for (const body of bodies) expect(WireFormat.read({ status: 500, body })._tag).toBe("UnexpectedResponse")
    expect(WireFormat.read({ status: 500, headers: { "x-request-id": ["a", "b"] }, body: "" })).toMatchObject({ requestId: "a" })
  })

  for (const testCase of Malformed.cases) {
    it(`the malformed corpus: ${testCase.name}`, () => {
      const found = WireFormat.read({ status: testCase.status, headers: { "content-type": testCase.contentType }, body: testCase.body() })
      expect(found._tag).toBe(testCase.expected._tag)
      if (found._tag === "UnexpectedResponse") {
        expect("reason" in testCase.expected && testCase.expected.reason).toBe(found.reason)
        expect(found.excerpt.length).toBeLessThanOrEqual(1024)
      }
      if (found._tag === "UnknownApiError") expect("code" in testCase.expected && testCase.expected.code).toBe(found.code)
    })
  }
})

describe("WireFormat.headerWait", () => {
  it("retry-after-ms when valid, else Retry-After in seconds or as an HTTP-date", () => {
    expect(WireFormat.headerWait({ status: 503, headers: { "Retry-After": "5" }, body: "" })).toBe(5000)
    expect(WireFormat.headerWait({ status: 503, headers: { "retry-after": "5", "retry-after-ms": "1500" }, body: "" })).toBe(1500)
    expect(WireFormat.headerWait({ status: 503, headers: { "retry-after": "Thu, 26 Nov 2026 10:00:30 GMT" }, body: "", now })).toBe(30_000)
    expect(WireFormat.headerWait({ status: 503, headers: { "retry-after": "soon" }, body: "" })).toBeUndefined()
    expect(WireFormat.headerWait({ status: 503, body: "" })).toBeUndefined()
  })
})

describe("WireFormat.isTransient and unexpectedMessage", () => {
  it("an unknown code follows 429 and 5xx; an unexpected response 500, 502, 503, 504", () => {
    for (let status = 400; status <= 599; status++) {
      expect(WireFormat.isTransient("UnknownApiError", status)).toBe(status === 429 || status >= 500)
      expect(WireFormat.isTransient("UnexpectedResponse", status)).toBe([500, 502, 503, 504].includes(status))
    }
  })

  it("says what came and what was wrong with its body", () => {
    expect(WireFormat.unexpectedMessage(502, "EmptyBody")).toBe("Unexpected 502 response with an empty body")
    expect(WireFormat.unexpectedMessage(404, "Undecodable")).toBe("Unexpected 404 response with an undecodable body")
  })
})

describe("WireFormat.retryAfter", () => {
  it("is details.retryAfter when a finite number, not negative", () => {
    expect(WireFormat.retryAfter({ retryAfter: 30 })).toBe(30)
    expect(WireFormat.retryAfter({ retryAfter: 0.5 })).toBe(0.5)
    for (const details of [{ retryAfter: "30" }, { retryAfter: -1 }, { retryAfter: Infinity }, {}, undefined, "30", [30]]) {
      expect(WireFormat.retryAfter(details)).toBeUndefined()
    }
  })
})

describe("WireFormat.write", () => {
  it("the envelope, the catalog status, content type and request ID; no details key for none", () => {
    expect(WireFormat.write({ code: "NOT_FOUND", status: 404, message: "gone", details: { id: "42" }, requestId: "req_1" })).toStrictEqual({
      status: 404,
      headers: { "content-type": "application/json", "x-request-id": "req_1" },
      body: { error: { code: "NOT_FOUND", message: "gone", details: { id: "42" } } }
    })
    expect(WireFormat.write({ code: "UNAUTHORIZED", status: 401, message: "m" }).body).toStrictEqual({ error: { code: "UNAUTHORIZED", message: "m" } })
  })

  it("a 429: Retry-After in whole seconds, rounded up and at least 1, mirrored in details.retryAfter", () => {
    const written = (details?: unknown) => WireFormat.write({ code: "RATE_LIMIT_EXCEEDED", status: 429, message: "m", details })
    expect(written({ retryAfter: 6.2, tier: "free" })).toMatchObject({ headers: { "retry-after": "7" }, body: { error: { details: { retryAfter: 7, tier: "free" } } } })
    expect(written({ retryAfter: 0 }).headers["retry-after"]).toBe("1")
    expect(written()).toMatchObject({ headers: { "retry-after": "1" }, body: { error: { details: { retryAfter: 1 } } } })
    expect(written("not an object").body.error.details).toStrictEqual({ retryAfter: 1 })
    // Any 429 has the rule, whatever its code: a drift code relayed by a server too.
    expect(WireFormat.write({ code: "RATE_LIMITED", status: 429, message: "m" }).headers["retry-after"]).toBe("1")
  })

  for (const entry of Catalog.all) {
    it(`${entry.code}: writes the golden case's status, headers and bytes`, () => {
      const golden = Golden.cases[entry.code]
      const written = WireFormat.write({ code: entry.code, status: entry.status, message: Golden.message, details: golden.details })
      const { "content-length": _length, ...headers } = golden.headers
      expect(written.status).toBe(golden.status)
      expect(written.headers).toStrictEqual(headers)
      expect(JSON.stringify(written.body)).toBe(golden.body)
    })
  }

  it("what it writes, read back, is what was written", () => {
    for (const entry of Catalog.all) {
      const golden = Golden.cases[entry.code]
      const written = WireFormat.write({ code: entry.code, status: entry.status, message: Golden.message, details: golden.details, requestId: "r" })
      expect(WireFormat.read({ status: written.status, headers: written.headers, body: JSON.stringify(written.body) })).toStrictEqual({
        _tag: entry.tag,
        code: entry.code,
        message: Golden.message,
        ...(written.body.error.details === undefined ? {} : { details: written.body.error.details }),
        requestId: "r"
      })
    }
  })
})
