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

  it("the schema unions hold exactly their category's errors", () => {
    const unions: Record<Catalog.Category, (u: unknown) => boolean> = {
      authentication: Schema.is(ApiError.Authentication),
      validation: Schema.is(ApiError.Validation),
      resource: Schema.is(ApiError.Resource),
      "rate limiting": Schema.is(ApiError.RateLimiting),
      server: Schema.is(ApiError.Server)
    }
    for (const entry of Catalog.all) {
      const error = ApiError.make(entry.code)
      for (const category of Catalog.categories) {
        expect(unions[category](error)).toBe(entry.category === category)
      }
      expect(Schema.is(ApiError.Transient)(error)).toBe(entry.transient)
      expect(Schema.is(ApiError.ApiError)(error)).toBe(true)
      expect(Schema.is(ApiError.Any)(error)).toBe(true)
    }
    expect(Schema.is(ApiError.ApiError)(new ApiError.UnknownApiError({ code: "X", status: 400, message: "m" }))).toBe(false)
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

describe("decoded instances", () => {
  it("are the same as constructed ones: prototype, own fields, JSON, Error-ness", () => {
    for (const entry of Catalog.all) {
      const props = { message: "m", details: { id: "x" }, requestId: "req_1" }
      const made = ApiError.make(entry.code, props)
      const ErrorClass = ApiError.classes[entry.code]
      const constructed = new ErrorClass(props)
      expect(Object.getPrototypeOf(made)).toBe(ErrorClass.prototype)
      expect(made).toBeInstanceOf(Error)
      expect(made).toStrictEqual(constructed)
      expect(JSON.parse(JSON.stringify(made))).toEqual(JSON.parse(JSON.stringify(constructed)))
      expect(JSON.parse(JSON.stringify(made))).toEqual({ _tag: entry.tag, message: "m", details: { id: "x" }, requestId: "req_1" })
      expect(Object.keys(made).sort()).toEqual(Object.keys(constructed).sort())
      expect(made.message).toBe(constructed.message)
      expect(Object.prototype.toString.call(made)).toBe("[object Error]")
    }
  })

  it("are Equal to constructed ones (Effect's structural equality)", () => {
    for (const entry of Catalog.all) {
      const props = { message: "m", requestId: "req_1" }
      expect(Equal.equals(ApiError.make(entry.code, props), new ApiError.classes[entry.code](props))).toBe(true)
      expect(Equal.equals(ApiError.make(entry.code, props), new ApiError.classes[entry.code]({ message: "n" }))).toBe(false)
    }
    const unknown = Wire.decode({ status: 418, body: { error: { code: "TEAPOT", message: "m" } } })
    expect(Equal.equals(unknown, new ApiError.UnknownApiError({ code: "TEAPOT", status: 418, message: "m" }))).toBe(true)
    const unexpected = Wire.decode({ status: 502, body: "" })
    expect(Equal.equals(unexpected, new ApiError.UnexpectedResponse({ reason: "EmptyBody", status: 502, excerpt: "" }))).toBe(true)
  })

  it("leave Error.stackTraceLimit as it was", () => {
    const before = Error.stackTraceLimit
    ApiError.make("NOT_FOUND")
    expect(Error.stackTraceLimit).toBe(before)
  })
})
