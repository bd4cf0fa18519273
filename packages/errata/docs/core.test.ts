/**
 * The code samples of this package's README (docs/examples/*.ts, compiled by the root check and
 * compared with the README by the root docs tests) run here, on Effect 4 and Node 22.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { ApiError } from "errata"
import * as Errors from "./examples/core-errors.js"
import * as Matching from "./examples/core-matching.js"
import * as Tour from "./examples/core-tour.js"
import * as WireExample from "./examples/core-wire.js"

describe("errata README samples", () => {
  it.effect("tour: the NotFound is recovered with its request ID; a proxy page is an UnexpectedResponse", () =>
    Effect.gen(function*() {
      expect(yield* Tour.program).toBe("Contact not found (request req_42)")
      expect(yield* Tour.outcome).toBe("UnexpectedResponse: Unexpected 502 response with a body that is not JSON")
    }))

  it.effect("errors: facts come from the catalog, extras from details", () =>
    Effect.gen(function*() {
      expect(Errors.facts).toEqual({
        status: 404,
        code: "NOT_FOUND",
        category: "resource",
        transient: true,
        firstIssue: ["addresses", 0, "zip"],
        wait: Duration.seconds(30)
      })
      expect(yield* Errors.findContact("550e8400-e29b-41d4-a716-446655440000")).toEqual({ id: "550e8400-e29b-41d4-a716-446655440000", name: "Ada" })
      const missing = yield* Effect.flip(Errors.findContact("nope"))
      expect(missing._tag).toBe("NotFound")
    }))

  it("matching: the exhaustive matcher answers for every kind", () => {
    expect(Matching.describe(new ApiError.MissingQuery({ details: { parameter: "q" } }))).toBe("missing ?q")
    expect(Matching.describe(new ApiError.UnknownApiError({ code: "RATE_LIMITED", status: 429, message: "m" }))).toBe(
      "unknown code RATE_LIMITED (429)"
    )
  })

  it.effect("matching: tags and categories are handled, the rest passes through", () =>
    Effect.gen(function*() {
      const validation = new ApiError.ValidationError({ details: { issues: [{ path: ["email"], message: "is required" }] } })
      expect(yield* Matching.handled(Effect.fail(validation))).toBe("email: is required")
      expect(yield* Matching.serverHandled(Effect.fail(new ApiError.ServiceUnavailable()))).toBe("outage: SERVICE_UNAVAILABLE")
      const passed = yield* Effect.flip(Matching.serverHandled(Effect.fail(new ApiError.Unauthorized())))
      expect(passed._tag).toBe("Unauthorized")
    }))

  it("wire: decode and encode do what the comments say", () => {
    expect(WireExample.decoded).toEqual([
      "RateLimitExceeded transient=true",
      "UnknownApiError transient=true",
      "UnexpectedResponse transient=true"
    ])
    expect(WireExample.wait).toEqual(Duration.seconds(5))
    expect(WireExample.encoded).toEqual({
      status: 429,
      headers: { "content-type": "application/json", "x-request-id": "req_1", "retry-after": "30" },
      body: { error: { code: "RATE_LIMIT_EXCEEDED", message: "Too many requests", details: { retryAfter: 30 } } }
    })
    expect(WireExample.fromBody).toBeInstanceOf(ApiError.NotFound)
    expect(WireExample.fromBody.message).toBe("Contact not found")
  })
})
