import { Effect, Match } from "effect"
import { ApiError } from "errata"

// One tag at a time: the handled tags leave the error channel.
export const handled = (call: Effect.Effect<string, ApiError.Any>) => call.pipe(
  Effect.catchTags({
    NotFound: () => Effect.succeed("not there"),
    ValidationError: (e) => Effect.succeed(e.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "))
  })
)

// A whole category at once: the remaining type no longer has InternalError or ServiceUnavailable.
export const serverHandled = (call: Effect.Effect<string, ApiError.Any>) =>
  call.pipe(ApiError.catchCategory("server", (e) => Effect.succeed(`outage: ${e.code}`)))

// Exhaustive: leave a tag out and this does not compile.
export const describe = Match.type<ApiError.Any>().pipe(
  Match.tagsExhaustive({
    Unauthorized: () => "check your API key",
    InsufficientPermissions: (e) => `missing scope ${e.scope ?? "?"}`,
    ValidationError: (e) => `${e.issues.length} invalid field(s)`,
    InvalidInput: (e) => `${e.issues.length} invalid parameter(s)`,
    MissingQuery: (e) => `missing ?${e.parameter ?? "?"}`,
    NotFound: () => "not found",
    InvalidMessageId: (e) => `bad message id ${e.value ?? ""}`,
    InvalidContactId: (e) => `bad contact id ${e.value ?? ""}`,
    InvalidBusinessId: (e) => `bad business id ${e.value ?? ""}`,
    RateLimitExceeded: () => "slow down",
    InternalError: () => "server error",
    ServiceUnavailable: () => "outage",
    UnknownApiError: (e) => `unknown code ${e.code} (${e.status})`,
    UnexpectedResponse: (e) => `unexpected ${e.status}: ${e.excerpt.slice(0, 40)}`
  })
)
