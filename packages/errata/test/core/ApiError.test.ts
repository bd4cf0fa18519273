import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Equal, Hash, Match, Result, Schema } from "effect"
import { ApiError, Catalog, Wire } from "errata"

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
    const reasons = ["EmptyBody", "InvalidJson", "NotWireFormat", "TooLarge", "Undecodable"] as const
    expect(reasons.map((reason) => new ApiError.UnexpectedResponse({ reason, status: 502, excerpt: "" }).message)).toEqual([
      "Unexpected 502 response with an empty body",
      "Unexpected 502 response with a body that is not JSON",
      "Unexpected 502 response with a body not in the error format",
      "Unexpected 502 response with a body too large",
      "Unexpected 502 response with an undecodable body"
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
    expect(new ApiError.ValidationError({ details: { issues: [{ path: ["a", 0], message: "m" }] } }).issues).toEqual([{ path: ["a", 0], message: "m" }])
    expect(new ApiError.InsufficientPermissions({ details: { scope: "contacts:write" } }).scope).toBe("contacts:write")
    expect(new ApiError.InvalidContactId({ details: { value: "42" } }).value).toBe("42")
    expect(new ApiError.RateLimitExceeded({ details: { retryAfter: "10" } }).retryAfter).toBeUndefined()
    expect(new ApiError.RateLimitExceeded({ details: { retryAfter: -1 } }).retryAfter).toBeUndefined()
    expect(new ApiError.RateLimitExceeded({ details: { retryAfter: 10 } }).retryAfter).toEqual(Duration.seconds(10))
    expect(new ApiError.MissingQuery({ details: { parameter: 3 } }).parameter).toBeUndefined()
    expect(new ApiError.MissingQuery({ details: { parameter: "q" } }).parameter).toBe("q")
  })

  it("retryAfter reads only errata errors", () => {
    expect(ApiError.retryAfter({ details: { retryAfter: 5 } })).toBeUndefined()
    expect(ApiError.retryAfter(new ApiError.InternalError({ details: { retryAfter: 5 } }))).toEqual(Duration.seconds(5))
    expect(ApiError.retryAfter(null)).toBeUndefined()
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

  it("a class is a Schema: its encoded form has the tag and the fields, and a missing message decodes to the catalog's", () => {
    const error = new ApiError.NotFound({ message: "gone", details: { id: "42" }, requestId: "req_1" })
    expect(Schema.encodeSync(ApiError.NotFound)(error)).toEqual({ _tag: "NotFound", message: "gone", details: { id: "42" }, requestId: "req_1" })
    const decoded = Schema.decodeUnknownSync(ApiError.NotFound)({ _tag: "NotFound" })
    expect(decoded).toBeInstanceOf(ApiError.NotFound)
    expect(decoded.message).toBe("The resource does not exist")
    expect(Schema.decodeUnknownSync(ApiError.Any)({ _tag: "UnexpectedResponse", reason: "EmptyBody", status: 502, excerpt: "" }).message)
      .toBe("Unexpected 502 response with an empty body")
  })

  it.effect("catchCategory handles a whole category and leaves the rest", () =>
    Effect.gen(function*() {
      const failWith = (e: ApiError.ApiError) => Effect.fail(e)
      const handled = yield* failWith(new ApiError.ServiceUnavailable()).pipe(
        ApiError.catchCategory("server", (e) => Effect.succeed(e.code)),
        Effect.result
      )
      expect(handled).toEqual(Result.succeed("SERVICE_UNAVAILABLE"))
      const passed = yield* failWith(new ApiError.NotFound()).pipe(
        ApiError.catchCategory("server", (e) => Effect.succeed(e.code)),
        Effect.flip
      )
      expect(passed._tag).toBe("NotFound")
      const dataFirst = yield* ApiError.catchCategory(failWith(new ApiError.InvalidInput()), "validation", (e) => Effect.succeed(e._tag))
      expect(dataFirst).toBe("InvalidInput")
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

describe("decoded, made and constructed instances", () => {
  it("are the same: prototype, own fields in order, JSON, Error-ness", () => {
    for (const entry of Catalog.all) {
      const props = { message: "m", details: { id: "x", retryAfter: 3 }, requestId: "req_1" }
      const constructed = new (classOf(entry.code))(props)
      const made = ApiError.make(entry.code, props)
      const decoded = encodedAndDecoded(made)
      for (const other of [made, decoded]) {
        expect(Object.getPrototypeOf(other)).toBe(Object.getPrototypeOf(constructed))
        expect(other).toBeInstanceOf(Error)
        expect(other).toStrictEqual(constructed)
        expect(Object.keys(other)).toEqual(Object.keys(constructed))
        expect(JSON.parse(JSON.stringify(other))).toEqual(JSON.parse(JSON.stringify(constructed)))
        expect(other.message).toBe(constructed.message)
        expect(Object.prototype.toString.call(other)).toBe("[object Error]")
      }
      expect(JSON.parse(JSON.stringify(constructed))).toEqual({ _tag: entry.tag, ...props })
    }
  })

  it("are Equal, with equal hashes, and unequal when they say something else", () => {
    for (const entry of Catalog.all) {
      const props = { message: "m", details: { id: "x" }, requestId: "req_1" }
      const constructed = new (classOf(entry.code))(props)
      const decoded = entry.code === "RATE_LIMIT_EXCEEDED" ? ApiError.make(entry.code, props) : encodedAndDecoded(constructed)
      expect(Equal.equals(decoded, constructed)).toBe(true)
      expect(Hash.hash(decoded)).toBe(Hash.hash(constructed))
      expect(Equal.equals(decoded, ApiError.make(entry.code, { ...props, message: "n" }))).toBe(false)
      expect(Equal.equals(decoded, ApiError.make(entry.code, { ...props, details: { id: "y" } }))).toBe(false)
      expect(Equal.equals(decoded, ApiError.make(entry.code, { message: "m", details: { id: "x" } }))).toBe(false)
    }
    expect(Equal.equals(new ApiError.NotFound(), new ApiError.InternalError({ message: "The resource does not exist" }))).toBe(false)
    const unknown = Wire.decode({ status: 418, body: { error: { code: "TEAPOT", message: "m" } } })
    expect(Equal.equals(unknown, new ApiError.UnknownApiError({ code: "TEAPOT", status: 418, message: "m" }))).toBe(true)
    const unexpected = Wire.decode({ status: 502, body: "" })
    expect(Equal.equals(unexpected, new ApiError.UnexpectedResponse({ reason: "EmptyBody", status: 502, excerpt: "" }))).toBe(true)
    expect(Equal.equals(unexpected, new ApiError.UnexpectedResponse({ reason: "EmptyBody", status: 503, excerpt: "" }))).toBe(false)
  })

  it("carry no JavaScript stack, and leave Error.stackTraceLimit as it was", () => {
    const before = Error.stackTraceLimit
    expect(new ApiError.NotFound().stack).toBeUndefined()
    expect(ApiError.make("NOT_FOUND").stack).toBeUndefined()
    expect(encodedAndDecoded(new ApiError.Unauthorized()).stack).toBeUndefined()
    expect(Error.stackTraceLimit).toBe(before)
    expect(new Error("ordinary").stack).toContain("ordinary")
  })
})

const classOf = (code: Catalog.Code) => {
  const ErrorClass = ApiError.ApiError.members.find((member) => member.prototype.code === code)
  if (ErrorClass === undefined) return expect.unreachable(code)
  return ErrorClass
}
