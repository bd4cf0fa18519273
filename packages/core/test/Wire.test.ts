import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, FastCheck as fc, Schema } from "effect"
import { ApiError, Catalog, Wire } from "@errata/core"
import { cases } from "@errata/dialect/fixtures/malformed"

const fromWire = (encoded: Wire.Encoded) =>
  Wire.decode({ status: encoded.status, headers: encoded.headers, body: JSON.stringify(encoded.body) })

describe("Wire.encode", () => {
  it("writes the documented envelope, status and headers", () => {
    const encoded = Wire.encode(
      new ApiError.NotFound({ message: "Contact not found", details: { id: "42" }, requestId: "req_1" })
    )
    expect(encoded).toEqual({
      status: 404,
      headers: { "content-type": "application/json", "x-request-id": "req_1" },
      body: { error: { code: "NOT_FOUND", message: "Contact not found", details: { id: "42" } } }
    })
  })

  it("omits details and the request ID when there are none", () => {
    expect(Wire.encode(new ApiError.Unauthorized())).toEqual({
      status: 401,
      headers: { "content-type": "application/json" },
      body: { error: { code: "UNAUTHORIZED", message: "API key missing or invalid" } }
    })
  })

  it("writes Retry-After in whole seconds, mirrored in details.retryAfter, never 0", () => {
    const seven = Wire.encode(new ApiError.RateLimitExceeded({ details: { retryAfter: 6.2, tier: "free" } }))
    expect(seven.headers["retry-after"]).toBe("7")
    expect(seven.body.error.details).toEqual({ retryAfter: 7, tier: "free" })
    const zero = Wire.encode(new ApiError.RateLimitExceeded({ details: { retryAfter: 0 } }))
    expect(zero.headers["retry-after"]).toBe("1")
    const none = Wire.encode(new ApiError.RateLimitExceeded())
    expect(none.headers["retry-after"]).toBe("1")
    expect(none.body.error.details).toEqual({ retryAfter: 1 })
  })

  it("status of every catalog error comes from the catalog", () => {
    for (const entry of Catalog.all) expect(Wire.encode(ApiError.make(entry.code)).status).toBe(entry.status)
  })
})

describe("Wire.decode", () => {
  it("reads the envelope, the request ID case-insensitively, and typed extras", () => {
    const error = Wire.decode({
      status: 400,
      headers: { "X-Request-Id": "req_abc" },
      body: {
        error: {
          code: "VALIDATION_ERROR",
          message: "Invalid body",
          details: { issues: [{ path: ["addresses", 0, "zip"], message: "Expected 5 digits" }] }
        }
      }
    })
    expect(error).toBeInstanceOf(ApiError.ValidationError)
    if (error._tag !== "ValidationError") return expect.unreachable()
    expect(error.requestId).toBe("req_abc")
    expect(error.issues).toEqual([{ path: ["addresses", 0, "zip"], message: "Expected 5 digits" }])
  })

  it("reports what a client could not read whole as UnexpectedResponse, keeping a transient one's wait", () => {
    const cut = Wire.decode({
      status: 503,
      headers: { "x-request-id": "req_cut", "retry-after": "9", "content-type": "application/json" },
      body: new TextEncoder().encode('{"error":{"code":"SERVICE_UNAV'),
      unread: "TooLarge"
    })
    expect(cut).toMatchObject({ _tag: "UnexpectedResponse", reason: "TooLarge", excerpt: '{"error":{"code":"SERVICE_UNAV', requestId: "req_cut" })
    expect(ApiError.retryAfter(cut)).toEqual(Duration.seconds(9))
    const odd = Wire.decode({ status: 404, body: new Uint8Array([0x28, 0xb5]), unread: "Undecodable" })
    expect(odd).toMatchObject({ _tag: "UnexpectedResponse", reason: "Undecodable", status: 404 })
    expect(odd.message).toBe("Unexpected 404 response with an undecodable body")
  })

  it("reads fetch Headers, bytes and the bare form", () => {
    const error = Wire.decode({
      status: 403,
      headers: new Headers({ "x-request-id": "req_h" }),
      body: new TextEncoder().encode('{"code":"INSUFFICIENT_PERMISSIONS","message":"no","details":{"scope":"contacts:write"}}')
    })
    if (error._tag !== "InsufficientPermissions") return expect.unreachable()
    expect(error.scope).toBe("contacts:write")
    expect(error.requestId).toBe("req_h")
  })

  it("parses every typed extra from details", () => {
    const missing = Wire.decode({ status: 400, body: { error: { code: "MISSING_QUERY", message: "m", details: { parameter: "q" } } } })
    expect(missing._tag === "MissingQuery" && missing.parameter).toBe("q")
    for (const code of ["INVALID_MESSAGE_ID", "INVALID_CONTACT_ID", "INVALID_BUSINESS_ID"] as const) {
      const e = Wire.decode({ status: 400, body: { error: { code, message: "m", details: { value: "nope" } } } })
      expect("value" in e && e.value).toBe("nope")
    }
    const input = Wire.decode({ status: 400, body: { error: { code: "INVALID_INPUT", message: "m", details: { issues: [{ path: ["limit"], message: "too big" }] } } } })
    expect(input._tag === "InvalidInput" && input.issues).toEqual([{ path: ["limit"], message: "too big" }])
    const limited = Wire.decode({ status: 429, body: { error: { code: "RATE_LIMIT_EXCEEDED", message: "m", details: { retryAfter: 30 } } } })
    expect(limited._tag === "RateLimitExceeded" && limited.retryAfter).toEqual(Duration.seconds(30))
  })

  it("takes a 429's wait from the Retry-After header when the body has none, seconds or HTTP-date", () => {
    const seconds = Wire.decode({ status: 429, headers: { "retry-after": "12" }, body: { error: { code: "RATE_LIMIT_EXCEEDED", message: "m" } } })
    expect(ApiError.retryAfter(seconds)).toEqual(Duration.seconds(12))
    const now = Date.parse("2026-11-26T10:00:00Z")
    const date = Wire.decode({
      status: 429,
      headers: { "retry-after": "Thu, 26 Nov 2026 10:00:09 GMT" },
      body: { error: { code: "RATE_LIMIT_EXCEEDED", message: "m", details: { tier: "free" } } },
      now
    })
    expect(ApiError.retryAfter(date)).toEqual(Duration.seconds(9))
    expect(date._tag === "RateLimitExceeded" && date.details).toEqual({ tier: "free", retryAfter: 9 })
    const past = Wire.decode({ status: 429, headers: { "retry-after": "Thu, 26 Nov 2026 09:00:00 GMT" }, body: { error: { code: "RATE_LIMIT_EXCEEDED", message: "m" } }, now })
    expect(ApiError.retryAfter(past)).toBeUndefined()
    const garbage = Wire.decode({ status: 429, headers: { "retry-after": "soon" }, body: { error: { code: "RATE_LIMIT_EXCEEDED", message: "m" } } })
    expect(ApiError.retryAfter(garbage)).toBeUndefined()
  })

  it("keeps everything of an unknown code", () => {
    const error = Wire.decode({ status: 429, headers: { "x-request-id": "r" }, body: { error: { code: "RATE_LIMITED", message: "slow", details: { a: 1 } } } })
    expect(error).toEqual(new ApiError.UnknownApiError({ code: "RATE_LIMITED", status: 429, message: "slow", details: { a: 1 }, requestId: "r" }))
    expect(ApiError.isTransient(error)).toBe(true)
  })

  it("never throws, whatever the input", () => {
    const inputs: ReadonlyArray<unknown> = [null, undefined, 0, NaN, true, Symbol("s"), () => 1, new Map(), { error: { code: "NOT_FOUND", toString: null } }, new ArrayBuffer(3), BigInt(5)]
    for (const body of inputs) {
      const error = Wire.decode({ status: 500, headers: undefined, body })
      expect(ApiError.isAny(error)).toBe(true)
    }
    const cyclic: Record<string, unknown> = {}
    cyclic["self"] = cyclic
    expect(ApiError.isAny(Wire.decode({ status: 500, body: cyclic }))).toBe(true)
    expect(ApiError.isAny(Wire.decode({ status: 500, headers: { "x-request-id": ["a", "b"] }, body: "" }))).toBe(true)
  })

  it.prop(
    "any bytes at all decode to a typed error with a bounded excerpt",
    [fc.uint8Array({ maxLength: 4096 }), fc.integer({ min: 400, max: 599 })],
    ([bytes, status]) => {
      const error = Wire.decode({ status, body: bytes })
      expect(ApiError.isAny(error)).toBe(true)
      if (error._tag === "UnexpectedResponse") expect(error.excerpt.length).toBeLessThanOrEqual(1024)
    },
    { fastCheck: { numRuns: 300 } }
  )
})

describe("the malformed-response corpus", () => {
  it("has at least 40 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(40)
  })

  for (const testCase of cases) {
    it(testCase.name, () => {
      const body = testCase.body()
      const exit = Effect.runSyncExit(
        Effect.sync(() =>
          Wire.decode({ status: testCase.status, headers: { "content-type": testCase.contentType, "x-request-id": "req_corpus" }, body })
        )
      )
      if (!Exit.isSuccess(exit)) return expect.unreachable(String(exit.cause))
      const error = exit.value
      expect(error._tag).toBe(testCase.expected._tag)
      expect(error.requestId).toBe("req_corpus")
      const expected = testCase.expected
      if (error._tag === "UnexpectedResponse") {
        expect("reason" in expected && expected.reason).toBe(error.reason)
        expect(error.status).toBe(testCase.status)
        expect(error.excerpt.length).toBeLessThanOrEqual(1024)
        expect(error.contentType).toBe(testCase.contentType)
        expect(error.message).toContain(String(testCase.status))
      }
      if (error._tag === "UnknownApiError") {
        expect("code" in expected && expected.code).toBe(error.code)
        expect(error.status).toBe(testCase.status)
      }
      if ("detailsKept" in expected && expected.detailsKept === true) {
        const raw: unknown = JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body))
        expect("details" in error ? error.details : undefined).toEqual((raw as { error: { details: unknown } }).error.details)
      }
      if ("issues" in expected && expected.issues !== undefined) {
        expect("issues" in error && error.issues).toHaveLength(expected.issues)
      }
    })
  }
})

// Arbitraries for the round trip: JSON values that survive JSON.stringify → JSON.parse unchanged.
// (-0 is the one jsonValue that JSON does not give back: it becomes 0.)
const jsonObject = fc
  .dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 })
  .map((value): Record<string, unknown> => JSON.parse(JSON.stringify(value)))
const issue = fc.record({ path: fc.array(fc.oneof(fc.string(), fc.nat()), { maxLength: 4 }), message: fc.string() })
const detailsFor = (code: Catalog.Code): fc.Arbitrary<unknown> => {
  switch (code) {
    case "VALIDATION_ERROR":
    case "INVALID_INPUT":
      return fc.option(fc.record({ issues: fc.array(issue, { maxLength: 4 }) }), { nil: undefined })
    case "RATE_LIMIT_EXCEEDED":
      return fc.tuple(jsonObject, fc.integer({ min: 1, max: 86_400 })).map(([d, retryAfter]) => ({ ...d, retryAfter }))
    default:
      return fc.option(jsonObject, { nil: undefined })
  }
}
const requestId = fc.option(fc.stringMatching(/^[\w.:-]{1,128}$/), { nil: undefined })
const catalogError = fc
  .constantFrom(...Catalog.codes)
  .chain((code) =>
    fc.record({ code: fc.constant(code), message: fc.string({ unit: "binary" }), details: detailsFor(code), requestId })
  )
  .map(({ code, message, details, requestId }) =>
    ApiError.make(code, {
      message,
      ...(details === undefined ? {} : { details }),
      ...(requestId === undefined ? {} : { requestId })
    })
  )

describe("round trip", () => {
  it.prop(
    "every catalog error survives encode → decode unchanged",
    [catalogError],
    ([error]) => {
      const decoded = fromWire(Wire.encode(error))
      expect(decoded).toStrictEqual(error)
      expect(decoded.constructor).toBe(error.constructor)
    },
    { fastCheck: { numRuns: 1000 } }
  )

  it.prop(
    "the per-code schemas transform the wire body to the class and back",
    [catalogError],
    ([error]) => {
      const schema = Wire.schema(error.code)
      const { requestId: _dropped, ...withoutRequestId } = error
      const body = Schema.encodeSync(schema)(error)
      const back = Schema.decodeUnknownSync(schema)(JSON.parse(JSON.stringify(body)))
      expect(back._tag).toBe(error._tag)
      expect({ ...back }).toEqual({ ...withoutRequestId })
    },
    { fastCheck: { numRuns: 200 } }
  )

  it("the body schema rejects a code outside the catalog", () => {
    expect(Schema.decodeUnknownEither(Wire.Body)({ error: { code: "RATE_LIMITED", message: "x" } })._tag).toBe("Left")
    expect(Schema.decodeUnknownEither(Wire.Body)({ error: { code: "NOT_FOUND", message: "x" } })._tag).toBe("Right")
  })
})
