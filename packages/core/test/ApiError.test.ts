import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Equal, Match, Schema } from "effect"
import { ApiError, Catalog, Wire } from "@errata/core"

const transientTags = new Set(["RateLimitExceeded", "InternalError", "ServiceUnavailable"])

describe("ApiError", () => {
  it("message defaults to the catalog's and can be set", () => {
    expect(new ApiError.NotFound().message).toBe("The resource does not exist")
    expect(new ApiError.NotFound({ message: "Contact not found" }).message).toBe("Contact not found")
  })

  it.effect("errors are yieldable and caught by tag", () =>
    Effect.gen(function*() {
      const result = yield* Effect.gen(function*() {
        return yield* new ApiError.NotFound({ message: "Contact not found" })
      }).pipe(Effect.catchTags({ NotFound: (e) => Effect.succeed(`${e.status} ${e.code}`) }))
      expect(result).toBe("404 NOT_FOUND")
    }))

  it("isTransient holds for exactly the transient tags", () => {
    for (const entry of Catalog.all) {
      expect(ApiError.isTransient(ApiError.make(entry.code))).toBe(transientTags.has(entry.tag))
    }
  })

  it("isTransient of unknown codes and unexpected responses follows the status, 400–599", () => {
    for (let status = 400; status <= 599; status++) {
      const unknown = new ApiError.UnknownApiError({ code: "WHATEVER", status, message: "m" })
      expect(ApiError.isTransient(unknown)).toBe(status === 429 || status >= 500)
      const unexpected = new ApiError.UnexpectedResponse({ reason: "InvalidJson", status, excerpt: "<html>" })
      expect(ApiError.isTransient(unexpected)).toBe([500, 502, 503, 504].includes(status))
    }
  })

  it("an UnexpectedResponse's message says what was wrong with the body, for each reason", () => {
    const reasons = ["EmptyBody", "InvalidJson", "NotWireFormat", "TooLarge"] as const
    expect(reasons.map((reason) => new ApiError.UnexpectedResponse({ reason, status: 502, excerpt: "" }).message)).toEqual([
      "Unexpected 502 response with an empty body",
      "Unexpected 502 response with a body that is not JSON",
      "Unexpected 502 response with a body not in the error format",
      "Unexpected 502 response with a body too large"
    ])
    // The reason does not change what may pass: the status does.
    expect(reasons.map((reason) => new ApiError.UnexpectedResponse({ reason, status: 503, excerpt: "" }).transient)).toEqual(reasons.map(() => true))
  })

  it("the guards reject look-alikes and accept all fourteen", () => {
    expect(ApiError.isApiError({ _tag: "NotFound" })).toBe(false)
    expect(ApiError.isApiError(new Error("x"))).toBe(false)
    expect(ApiError.isTransient({ _tag: "ServiceUnavailable", transient: true })).toBe(false)
    expect(ApiError.isApiError(new ApiError.UnknownApiError({ code: "X", status: 400, message: "m" }))).toBe(false)
    expect(ApiError.isAny(new ApiError.UnknownApiError({ code: "X", status: 400, message: "m" }))).toBe(true)
    expect(ApiError.isAny(new ApiError.UnexpectedResponse({ reason: "EmptyBody", status: 502, excerpt: "" }))).toBe(true)
    for (const code of Catalog.codes) expect(ApiError.isApiError(ApiError.make(code))).toBe(true)
  })

  it("typed extras are empty when details have another shape, and the raw details are kept", () => {
    const drift = new ApiError.ValidationError({ details: { errors: [], properties: { email: { errors: ["bad"] } } } })
    expect(drift.issues).toEqual([])
    expect(drift.details).toEqual({ errors: [], properties: { email: { errors: ["bad"] } } })
    expect(new ApiError.RateLimitExceeded({ details: { retryAfter: "10" } }).retryAfter).toBeUndefined()
    expect(new ApiError.RateLimitExceeded({ details: { retryAfter: -1 } }).retryAfter).toBeUndefined()
    expect(new ApiError.RateLimitExceeded({ details: { retryAfter: 10 } }).retryAfter).toEqual(Duration.seconds(10))
    expect(new ApiError.MissingQuery({ details: { parameter: 3 } }).parameter).toBeUndefined()
  })

  it("the ApiError and Any schemas hold exactly their errors", () => {
    for (const entry of Catalog.all) {
      const error = ApiError.make(entry.code)
      expect(Schema.is(ApiError.ApiError)(error)).toBe(true)
      expect(Schema.is(ApiError.Any)(error)).toBe(true)
    }
    const unknown = new ApiError.UnknownApiError({ code: "X", status: 400, message: "m" })
    expect(Schema.is(ApiError.ApiError)(unknown)).toBe(false)
    expect(Schema.is(ApiError.Any)(unknown)).toBe(true)
    expect(Schema.is(ApiError.Any)(new Error("m"))).toBe(false)
  })

  it.effect("catchCategory handles a whole category and leaves the rest", () =>
    Effect.gen(function*() {
      const failWith = (e: ApiError.ApiError) => Effect.fail(e)
      const handled = yield* failWith(new ApiError.ServiceUnavailable()).pipe(
        ApiError.catchCategory("server", (e) => Effect.succeed(e.code)),
        Effect.either
      )
      expect(handled).toEqual(Either.right("SERVICE_UNAVAILABLE"))
      const passed = yield* failWith(new ApiError.NotFound()).pipe(
        ApiError.catchCategory("server", (e) => Effect.succeed(e.code)),
        Effect.flip
      )
      expect(passed._tag).toBe("NotFound")
    }))

  it("Match.tagsExhaustive covers the fourteen", () => {
    const describe = Match.type<ApiError.Any>().pipe(
      Match.tagsExhaustive({
        Unauthorized: () => "auth",
        InsufficientPermissions: () => "auth",
        ValidationError: () => "input",
        InvalidInput: () => "input",
        MissingQuery: () => "input",
        NotFound: () => "gone",
        InvalidMessageId: () => "input",
        InvalidContactId: () => "input",
        InvalidBusinessId: () => "input",
        RateLimitExceeded: () => "later",
        InternalError: () => "later",
        ServiceUnavailable: () => "later",
        UnknownApiError: (e) => e.code,
        UnexpectedResponse: (e) => e.reason
      })
    )
    expect(describe(new ApiError.NotFound())).toBe("gone")
    expect(describe(new ApiError.UnexpectedResponse({ reason: "EmptyBody", status: 502, excerpt: "" }))).toBe("EmptyBody")
  })
})

const encodedAndDecoded = (error: ApiError.ApiError) => {
  const { body, headers, status } = Wire.encode(error)
  return Wire.decode({ status, headers, body: JSON.stringify(body) })
}

describe("decoded instances", () => {
  it("are the same as constructed ones: prototype, own fields, JSON, Error-ness", () => {
    for (const entry of Catalog.all) {
      const props = { message: "m", details: { id: "x", retryAfter: 3 }, requestId: "req_1" }
      const constructed = ApiError.make(entry.code, props)
      const decoded = encodedAndDecoded(constructed)
      expect(Object.getPrototypeOf(decoded)).toBe(Object.getPrototypeOf(constructed))
      expect(decoded).toBeInstanceOf(Error)
      expect(decoded).toStrictEqual(constructed)
      expect(JSON.parse(JSON.stringify(decoded))).toEqual(JSON.parse(JSON.stringify(constructed)))
      expect(JSON.parse(JSON.stringify(constructed))).toEqual({ _tag: entry.tag, ...props })
      expect(Object.keys(decoded).sort()).toEqual(Object.keys(constructed).sort())
      expect(decoded.message).toBe(constructed.message)
      expect(Object.prototype.toString.call(decoded)).toBe("[object Error]")
    }
  })

  it("are Equal to constructed ones (Effect's structural equality)", () => {
    // A 429 always goes out with details (its wait), which equality compares by reference.
    for (const entry of Catalog.all.filter((e) => e.code !== "RATE_LIMIT_EXCEEDED")) {
      const props = { message: "m", requestId: "req_1" }
      expect(Equal.equals(encodedAndDecoded(ApiError.make(entry.code, props)), ApiError.make(entry.code, props))).toBe(true)
      expect(Equal.equals(encodedAndDecoded(ApiError.make(entry.code, props)), ApiError.make(entry.code, { message: "n" })))
        .toBe(false)
    }
    const unknown = Wire.decode({ status: 418, body: { error: { code: "TEAPOT", message: "m" } } })
    expect(Equal.equals(unknown, new ApiError.UnknownApiError({ code: "TEAPOT", status: 418, message: "m" }))).toBe(true)
    const unexpected = Wire.decode({ status: 502, body: "" })
    expect(Equal.equals(unexpected, new ApiError.UnexpectedResponse({ reason: "EmptyBody", status: 502, excerpt: "" }))).toBe(true)
  })

  it("carry no JavaScript stack, and leave Error.stackTraceLimit as it was", () => {
    const before = Error.stackTraceLimit
    const error = new ApiError.NotFound()
    expect(error.stack).toBeUndefined()
    expect(ApiError.make("NOT_FOUND").stack).toBeUndefined()
    expect(Error.stackTraceLimit).toBe(before)
    expect(new Error("ordinary").stack).toContain("ordinary")
  })
})
