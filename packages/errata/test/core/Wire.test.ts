import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Duration, Effect, Exit, Result, Schema } from "effect"
import { cases } from "@errata/dialect/fixtures/malformed"
import { ApiError, Catalog, Wire } from "errata"

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
    expect(Wire.encode(new ApiError.Unauthorized())).toStrictEqual({
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
    // A drift 429 relayed by a server is written with the same rule.
    const drift = Wire.encode(new ApiError.UnknownApiError({ code: "RATE_LIMITED", status: 429, message: "m" }))
    expect(drift).toMatchObject({ status: 429, headers: { "retry-after": "1" }, body: { error: { code: "RATE_LIMITED" } } })
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
    [Arbitrary.schema(Schema.Uint8Array), Arbitrary.schema(Schema.Int.check(Schema.isBetween({ minimum: 400, maximum: 599 })))],
    ([bytes, status]) => {
      const error = Wire.decode({ status, body: bytes })
      expect(ApiError.isAny(error)).toBe(true)
      if (error._tag === "UnexpectedResponse") expect(error.excerpt.length).toBeLessThanOrEqual(1024)
    },
    { arbitrary: { runs: 300 } }
  )
})

describe("Retry-After", () => {
  const now = Date.parse("2026-11-26T10:00:00Z")
  const limited = (headers: Wire.ResponseInput["headers"], details?: Record<string, unknown>) =>
    Wire.decode({ status: 429, headers, now, body: { error: { code: "RATE_LIMIT_EXCEEDED", message: "m", ...(details === undefined ? {} : { details }) } } })

  it("a 429 without details.retryAfter takes the header into its details: delta-seconds", () => {
    const error = limited({ "retry-after": "12" })
    expect(ApiError.retryAfter(error)).toEqual(Duration.seconds(12))
    expect(error._tag === "RateLimitExceeded" && error.details).toEqual({ retryAfter: 12 })
  })

  it("an HTTP-date, measured from `now`, other details kept", () => {
    const error = limited({ "Retry-After": "Thu, 26 Nov 2026 10:00:09 GMT" }, { tier: "free" })
    expect(ApiError.retryAfter(error)).toEqual(Duration.seconds(9))
    expect(error._tag === "RateLimitExceeded" && error.details).toEqual({ tier: "free", retryAfter: 9 })
  })

  it("the body's details.retryAfter wins over the header", () => {
    expect(ApiError.retryAfter(limited({ "retry-after": "12" }, { retryAfter: 3 }))).toEqual(Duration.seconds(3))
  })

  it("a date in the past, garbage, or no header asks for no wait", () => {
    expect(ApiError.retryAfter(limited({ "retry-after": "Thu, 26 Nov 2026 09:00:00 GMT" }))).toBeUndefined()
    expect(ApiError.retryAfter(limited({ "retry-after": "soon" }))).toBeUndefined()
    expect(ApiError.retryAfter(limited({}))).toBeUndefined()
  })

  it("a transient error's header wait is kept beside it: retry-after-ms first, else Retry-After", () => {
    const down = (headers: Record<string, string>) => Wire.decode({ status: 503, headers, now, body: { code: "SERVICE_UNAVAILABLE", message: "Down" } })
    expect(ApiError.retryAfter(down({ "retry-after": "5" }))).toEqual(Duration.seconds(5))
    expect(ApiError.retryAfter(down({ "retry-after": "5", "retry-after-ms": "1500" }))).toEqual(Duration.millis(1500))
    expect(ApiError.retryAfter(down({ "retry-after": "Thu, 26 Nov 2026 10:01:00 GMT" }))).toEqual(Duration.seconds(60))
    // The fields stay the wire's: the wait is not in details.
    expect(down({ "retry-after": "5" })).not.toHaveProperty("details")
    // A proxy page in front of a 503, and drift on a 429, keep theirs too.
    expect(ApiError.retryAfter(Wire.decode({ status: 503, headers: { "retry-after": "7" }, body: "<html>" }))).toEqual(Duration.seconds(7))
    expect(ApiError.retryAfter(Wire.decode({ status: 429, headers: { "retry-after": "2" }, body: '{"code":"RATE_LIMITED"}' }))).toEqual(Duration.seconds(2))
  })

  it("a non-transient error keeps no wait", () => {
    expect(ApiError.retryAfter(Wire.decode({ status: 404, headers: { "retry-after": "5" }, body: '{"code":"NOT_FOUND"}' }))).toBeUndefined()
    expect(ApiError.retryAfter(Wire.decode({ status: 501, headers: { "retry-after": "5" }, body: "" }))).toBeUndefined()
  })
})

describe("the malformed-response corpus", () => {
  it("has at least 40 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(40)
  })

  for (const testCase of cases) {
    it(testCase.name, () => {
      const body = testCase.body()
      // Zero throws and zero defects: the decoder runs inside an Effect, whose exit must be a success.
      const exit = Effect.runSyncExit(
        Effect.sync(() =>
          Wire.decode({ status: testCase.status, headers: { "content-type": testCase.contentType, "x-request-id": "req_corpus" }, body })
        )
      )
      if (!Exit.isSuccess(exit)) return expect.unreachable(String(exit.cause))
      const error = exit.value
      expect(ApiError.isAny(error)).toBe(true)
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
        const raw = Schema.decodeUnknownSync(Schema.Struct({ error: Schema.Struct({ details: Schema.Unknown }) }))(
          JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body))
        )
        expect("details" in error ? error.details : undefined).toEqual(raw.error.details)
      }
      if ("issues" in expected && expected.issues !== undefined) {
        expect("issues" in error && error.issues).toHaveLength(expected.issues)
      }
    })
  }
})

// Arbitraries for the round trip, from schemas: JSON objects that survive JSON.stringify →
// JSON.parse unchanged (-0 is the one JSON value that does not come back: it becomes 0), messages
// of any UTF-16 code units, request IDs as a server echoes them.
const jsonObject = Arbitrary.schema(Schema.Record(Schema.String, Schema.Json)).pipe(
  Arbitrary.map((value): Record<string, unknown> => JSON.parse(JSON.stringify(value)))
)
// Paths are names and indexes (NaN and Infinity are numbers JSON does not carry, and -0 comes
// back as 0).
const index = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const issue = Schema.Struct({ path: Schema.Array(Schema.Union([Schema.String, index])), message: Schema.String })
const issues = Arbitrary.schema(Schema.Struct({ issues: Schema.Array(issue) })).pipe(
  Arbitrary.map((value): unknown => JSON.parse(JSON.stringify(value)))
)
const wait = Arbitrary.schema(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 86_400 })))
const maybe = <A>(arbitrary: Arbitrary.Arbitrary<A>): Arbitrary.Arbitrary<A | undefined> =>
  Arbitrary.flatMap(Arbitrary.schema(Schema.Boolean), (present) => (present ? arbitrary : Arbitrary.Constant(undefined)))
const detailsFor = (code: Catalog.Code): Arbitrary.Arbitrary<unknown> => {
  switch (code) {
    case "VALIDATION_ERROR":
    case "INVALID_INPUT":
      return maybe(issues)
    case "RATE_LIMIT_EXCEEDED":
      return Arbitrary.map(Arbitrary.all([jsonObject, wait]), ([d, retryAfter]) => ({ ...d, retryAfter }))
    default:
      return maybe(jsonObject)
  }
}
const requestId = maybe(Arbitrary.schema(Schema.String.check(Schema.isPattern(/^[\w.:-]{1,128}$/))))
const catalogError = Arbitrary.schema(Schema.Literals(Catalog.codes)).pipe(
  Arbitrary.flatMap((code) =>
    Arbitrary.all({ code: Arbitrary.Constant(code), message: Arbitrary.schema(Schema.String), details: detailsFor(code), requestId })
  ),
  Arbitrary.map(({ code, message, details, requestId }) =>
    ApiError.make(code, {
      message,
      ...(details === undefined ? {} : { details }),
      ...(requestId === undefined ? {} : { requestId })
    })
  )
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
    { arbitrary: { runs: 1000 } }
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
      expect(back.message).toBe(error.message)
      expect({ ...back }).toEqual({ ...withoutRequestId })
    },
    { arbitrary: { runs: 200 } }
  )

  it("the body schema rejects a code outside the catalog", () => {
    expect(Result.isFailure(Schema.decodeUnknownResult(Wire.Body)({ error: { code: "RATE_LIMITED", message: "x" } }))).toBe(true)
    expect(Result.isSuccess(Schema.decodeUnknownResult(Wire.Body)({ error: { code: "NOT_FOUND", message: "x" } }))).toBe(true)
  })

  it("a per-code schema carries the code's status for HttpApi, and refuses another code's error", () => {
    const schema = Wire.schema("NOT_FOUND")
    expect(schema.ast.annotations?.["httpApiStatus"]).toBe(404)
    expect(Schema.is(schema)(new ApiError.NotFound())).toBe(true)
    expect(Schema.is(schema)(new ApiError.InternalError())).toBe(false)
  })
})
