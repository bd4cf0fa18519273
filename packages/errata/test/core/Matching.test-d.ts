import { type Duration, Effect, Match } from "effect"
import { describe, expectTypeOf, it } from "vitest"
import type { ApiError } from "errata"
import { ApiError as Errors, Wire } from "errata"

declare const call: Effect.Effect<string, ApiError.ApiError>

describe("exhaustive matching", () => {
  it("Match.tagsExhaustive with a tag left out does not compile", () => {
    Match.type<ApiError.ApiError>().pipe(
      // @ts-expect-error: ServiceUnavailable is not handled
      Match.tagsExhaustive({
        Unauthorized: () => 1,
        InsufficientPermissions: () => 1,
        ValidationError: () => 1,
        InvalidInput: () => 1,
        MissingQuery: () => 1,
        NotFound: () => 1,
        InvalidMessageId: () => 1,
        InvalidContactId: () => 1,
        InvalidBusinessId: () => 1,
        RateLimitExceeded: () => 1,
        InternalError: () => 1
      })
    )
  })

  it("catchTags over all twelve leaves never; with one left out, that one remains", () => {
    const recover = () => Effect.succeed("")
    const allButServiceUnavailable = {
      Unauthorized: recover,
      InsufficientPermissions: recover,
      ValidationError: recover,
      InvalidInput: recover,
      MissingQuery: recover,
      NotFound: recover,
      InvalidMessageId: recover,
      InvalidContactId: recover,
      InvalidBusinessId: recover,
      RateLimitExceeded: recover,
      InternalError: recover
    }
    const all = call.pipe(Effect.catchTags({ ...allButServiceUnavailable, ServiceUnavailable: recover }))
    expectTypeOf(all).toEqualTypeOf<Effect.Effect<string, never>>()

    const missing = call.pipe(Effect.catchTags(allButServiceUnavailable))
    // The left-out tag is still in the error channel, so requiring `never` fails to compile.
    // @ts-expect-error: ServiceUnavailable remains
    expectTypeOf(missing).toEqualTypeOf<Effect.Effect<string, never>>()
    expectTypeOf(missing).toEqualTypeOf<Effect.Effect<string, ApiError.ServiceUnavailable>>()
  })

  it("catchTags rejects a tag that is not in the union", () => {
    call.pipe(
      Effect.catchTags({
        NotFound: () => Effect.succeed(""),
        // @ts-expect-error: not an errata tag
        NotAnErrataTag: () => Effect.succeed("")
      })
    )
  })

  it("handling a category narrows the remaining error type", () => {
    const rest = call.pipe(Errors.catchCategory("validation", (e) => {
      expectTypeOf(e).toEqualTypeOf<ApiError.ValidationError | ApiError.InvalidInput | ApiError.MissingQuery>()
      return Effect.succeed("")
    }))
    expectTypeOf(rest).toEqualTypeOf<
      Effect.Effect<string, Exclude<ApiError.ApiError, ApiError.InCategory<"validation">>>
    >()
    const onlyServer = rest.pipe(
      Errors.catchCategory("authentication", () => Effect.succeed("")),
      Errors.catchCategory("resource", () => Effect.succeed("")),
      Errors.catchCategory("rate limiting", () => Effect.succeed(""))
    )
    expectTypeOf(onlyServer).toEqualTypeOf<Effect.Effect<string, ApiError.InternalError | ApiError.ServiceUnavailable>>()
  })

  it("the category unions are what the catalog says", () => {
    expectTypeOf<ApiError.Transient>().toEqualTypeOf<
      ApiError.RateLimitExceeded | ApiError.InternalError | ApiError.ServiceUnavailable
    >()
    expectTypeOf<ApiError.InCategory<"authentication">>().toEqualTypeOf<ApiError.Unauthorized | ApiError.InsufficientPermissions>()
    expectTypeOf<ApiError.InCategory<"server">>().toEqualTypeOf<ApiError.InternalError | ApiError.ServiceUnavailable>()
    expectTypeOf<ApiError.Any>().toEqualTypeOf<ApiError.ApiError | ApiError.UnknownApiError | ApiError.UnexpectedResponse>()
  })
})

describe("the fourteen", () => {
  it("Match.tagsExhaustive over ApiError.Any with a drift error left out does not compile", () => {
    Match.type<ApiError.Any>().pipe(
      // @ts-expect-error: UnexpectedResponse is not handled
      Match.tagsExhaustive({
        Unauthorized: () => 1,
        InsufficientPermissions: () => 1,
        ValidationError: () => 1,
        InvalidInput: () => 1,
        MissingQuery: () => 1,
        NotFound: () => 1,
        InvalidMessageId: () => 1,
        InvalidContactId: () => 1,
        InvalidBusinessId: () => 1,
        RateLimitExceeded: () => 1,
        InternalError: () => 1,
        ServiceUnavailable: () => 1,
        UnknownApiError: () => 1
      })
    )
  })

  it("Wire.decode gives ApiError.Any; make gives the class of its code, its facts and extras typed", () => {
    expectTypeOf(Wire.decode({ status: 404, body: "" })).toEqualTypeOf<ApiError.Any>()
    expectTypeOf(Errors.make("NOT_FOUND")).toEqualTypeOf<ApiError.NotFound>()
    expectTypeOf<ApiError.ApiErrorOf<"RATE_LIMIT_EXCEEDED">>().toEqualTypeOf<ApiError.RateLimitExceeded>()
    expectTypeOf(Errors.make("RATE_LIMIT_EXCEEDED").retryAfter).toEqualTypeOf<Duration.Duration | undefined>()
    expectTypeOf(Errors.make("VALIDATION_ERROR").issues).toEqualTypeOf<ReadonlyArray<ApiError.Issue>>()
    expectTypeOf(Errors.make("NOT_FOUND").status).toEqualTypeOf<404>()
    expectTypeOf(Errors.make("NOT_FOUND").transient).toEqualTypeOf<false>()
  })
})
