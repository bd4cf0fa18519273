/**
 * The typed errors of the API's dialect: one `Schema.TaggedError` class per catalog code, two for
 * the drift SPEC.md §7 describes, the unions users match on, and the predicates the client's retry
 * policy is built from.
 *
 * @example
 * import { Effect } from "effect"
 * import { ApiError } from "@errata/core"
 *
 * const program = Effect.fail(new ApiError.NotFound({ message: "Contact not found" })).pipe(
 *   Effect.catchTags({ NotFound: (e) => Effect.succeed(`${e.status} ${e.code}: ${e.message}`) })
 * )
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as core from "effect/Effect"
import { dual } from "effect/Function"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Catalog from "@errata/dialect/Catalog"
import * as WireFormat from "@errata/dialect/WireFormat"
import * as internal from "./internal/catalogError.js"
import { CatalogError, TypeId } from "./internal/catalogError.js"

/**
 * One failing field of a `VALIDATION_ERROR` or `INVALID_INPUT`: where it is, and what is wrong.
 *
 * @example
 * import { Schema } from "effect"
 * import { ApiError } from "@errata/core"
 * Schema.decodeUnknownSync(ApiError.Issue)({ path: ["addresses", 0, "zip"], message: "Expected 5 digits" })
 *
 * @since 0.1.0
 * @category models
 */
export const Issue = internal.Issue

/**
 * The type of an `Issue`.
 *
 * @example
 * import type { ApiError } from "@errata/core"
 * const fields = (issues: ReadonlyArray<ApiError.Issue>) => issues.map((i) => i.path.join("."))
 *
 * @since 0.1.0
 * @category models
 */
export type Issue = typeof Issue.Type

/**
 * The wait the server asked for on an error: `details.retryAfter` (seconds) when the body named
 * one, as a 429 always does (its `Retry-After` header is folded in by `Wire.decode`), else the
 * `retry-after-ms` or `Retry-After` header of the transient response it was decoded from (a 503,
 * a proxy page). `undefined` when there is none, or it was unparsable or in the past. The one reader of
 * `Retry-After` in errata: the client's retries use it too.
 *
 * @example
 * import { ApiError, Wire } from "@errata/core"
 * const error = Wire.decode({ status: 503, headers: { "retry-after": "5" }, body: '{"code":"SERVICE_UNAVAILABLE","message":"Down"}' })
 * ApiError.retryAfter(error) // Duration.seconds(5)
 *
 * @since 0.1.0
 * @category getters
 */
export const retryAfter: (error: unknown) => Duration.Duration | undefined = internal.retryAfterOf

/**
 * `UNAUTHORIZED` (401): the API key is missing or invalid.
 *
 * @example
 * import { ApiError } from "@errata/core"
 * new ApiError.Unauthorized().message // "API key missing or invalid", the catalog's
 *
 * @since 0.1.0
 * @category errors
 */
export class Unauthorized extends CatalogError("UNAUTHORIZED")<Unauthorized>() {}

/**
 * `INSUFFICIENT_PERMISSIONS` (403): the key is valid but lacks a scope; `scope` names it when the
 * server said.
 *
 * @example
 * import { ApiError } from "@errata/core"
 * new ApiError.InsufficientPermissions({ details: { scope: "contacts:write" } }).scope // "contacts:write"
 *
 * @since 0.1.0
 * @category errors
 */
export class InsufficientPermissions extends CatalogError("INSUFFICIENT_PERMISSIONS")<InsufficientPermissions>() {}

/**
 * `VALIDATION_ERROR` (400): the request body failed validation; `issues` lists the fields.
 *
 * @example
 * import { ApiError } from "@errata/core"
 * const e = new ApiError.ValidationError({ details: { issues: [{ path: ["email"], message: "is required" }] } })
 * e.issues[0]?.path // ["email"]
 *
 * @since 0.1.0
 * @category errors
 */
export class ValidationError extends CatalogError("VALIDATION_ERROR")<ValidationError>() {}

/**
 * `INVALID_INPUT` (400): a query parameter or other input is invalid; `issues` are rooted at the
 * parameter name.
 *
 * @example
 * import { ApiError } from "@errata/core"
 * const e = new ApiError.InvalidInput({ details: { issues: [{ path: ["limit"], message: "Expected at most 100" }] } })
 * e.issues[0]?.path // ["limit"]
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidInput extends CatalogError("INVALID_INPUT")<InvalidInput>() {}

/**
 * `MISSING_QUERY` (400): a required query parameter is absent; `parameter` names it.
 *
 * @example
 * import { ApiError } from "@errata/core"
 * new ApiError.MissingQuery({ details: { parameter: "email" } }).parameter // "email"
 *
 * @since 0.1.0
 * @category errors
 */
export class MissingQuery extends CatalogError("MISSING_QUERY")<MissingQuery>() {}

/**
 * `NOT_FOUND` (404): the resource does not exist.
 *
 * @example
 * import { ApiError } from "@errata/core"
 * new ApiError.NotFound({ message: "Contact not found" }).status // 404
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFound extends CatalogError("NOT_FOUND")<NotFound>() {}

/**
 * `INVALID_MESSAGE_ID` (400): a message ID is not a UUID; `value` holds what was sent.
 *
 * @example
 * import { ApiError } from "@errata/core"
 * new ApiError.InvalidMessageId({ details: { value: "42" } }).value // "42"
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidMessageId extends CatalogError("INVALID_MESSAGE_ID")<InvalidMessageId>() {}

/**
 * `INVALID_CONTACT_ID` (400): a contact ID is not a UUID; `value` holds what was sent.
 *
 * @example
 * import { ApiError } from "@errata/core"
 * new ApiError.InvalidContactId({ details: { value: "42" } }).category // "resource"
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidContactId extends CatalogError("INVALID_CONTACT_ID")<InvalidContactId>() {}

/**
 * `INVALID_BUSINESS_ID` (400): a business ID is not a UUID; `value` holds what was sent.
 *
 * @example
 * import { ApiError } from "@errata/core"
 * new ApiError.InvalidBusinessId({ details: { value: "acme" } }).status // 400
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidBusinessId extends CatalogError("INVALID_BUSINESS_ID")<InvalidBusinessId>() {}

/**
 * `RATE_LIMIT_EXCEEDED` (429, transient): too many requests; `retryAfter` is the server's wait.
 *
 * @example
 * import { ApiError } from "@errata/core"
 * // The wait lives in `details.retryAfter` (whole seconds), as on the wire.
 * new ApiError.RateLimitExceeded({ details: { retryAfter: 30 } }).retryAfter // Duration.seconds(30)
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimitExceeded extends CatalogError("RATE_LIMIT_EXCEEDED")<RateLimitExceeded>() {}

/**
 * `INTERNAL_ERROR` (500, transient): an unexpected server error.
 *
 * @example
 * import { ApiError } from "@errata/core"
 * new ApiError.InternalError({ requestId: "req_1" }).transient // true
 *
 * @since 0.1.0
 * @category errors
 */
export class InternalError extends CatalogError("INTERNAL_ERROR")<InternalError>() {}

/**
 * `SERVICE_UNAVAILABLE` (503, transient): a temporary outage.
 *
 * @example
 * import { ApiError } from "@errata/core"
 * new ApiError.ServiceUnavailable().category // "server"
 *
 * @since 0.1.0
 * @category errors
 */
export class ServiceUnavailable extends CatalogError("SERVICE_UNAVAILABLE")<ServiceUnavailable>() {}

/**
 * A well-formed error body whose code is outside the catalog (drift such as `RATE_LIMITED`):
 * everything received is kept. A 429 or 5xx stays transient whatever the code says.
 *
 * @example
 * import { ApiError } from "@errata/core"
 * const drift = new ApiError.UnknownApiError({ code: "RATE_LIMITED", status: 429, message: "Slow down" })
 * drift.transient // true: a 429, whatever its code
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownApiError extends Schema.TaggedError<UnknownApiError>()("UnknownApiError", {
  code: Schema.String,
  status: Schema.Number,
  message: Schema.String,
  details: Schema.optional(Schema.Unknown),
  requestId: Schema.optional(Schema.String)
}) {
  /** 429 and every 5xx may succeed on a later try. */
  get transient(): boolean {
    return WireFormat.isTransient(this._tag, this.status)
  }
  /** Outside the catalog, so no category. */
  get category(): undefined {
    return undefined
  }
}
internal.markAsErrata(UnknownApiError.prototype)

/**
 * A response that is not the wire format at all: an HTML page from a proxy, an empty or truncated
 * body, a JSON array. Keeps the status, request ID, content type and a bounded excerpt. `reason`
 * says which: `EmptyBody`, `InvalidJson`, `NotWireFormat` (JSON, not the error format), and two a
 * client reports through `Wire.ResponseInput.unread`, since the body alone cannot show them:
 * `TooLarge` (cut at the client's size bound, so not read as JSON at all) and `Undecodable` (in a
 * `Content-Encoding` the client does not know, or that does not decode).
 *
 * @example
 * import { ApiError, Wire } from "@errata/core"
 * const error = Wire.decode({ status: 502, headers: { "content-type": "text/html" }, body: "<html>Bad Gateway</html>" })
 * error._tag // "UnexpectedResponse"
 * new ApiError.UnexpectedResponse({ reason: "EmptyBody", status: 504, excerpt: "" }).transient // true
 *
 * @since 0.1.0
 * @category errors
 */
export class UnexpectedResponse extends Schema.TaggedError<UnexpectedResponse>()("UnexpectedResponse", {
  reason: Schema.Literal("EmptyBody", "InvalidJson", "NotWireFormat", "TooLarge", "Undecodable"),
  status: Schema.Number,
  /** At most 1024 characters of the body. */
  excerpt: Schema.String,
  contentType: Schema.optional(Schema.String),
  requestId: Schema.optional(Schema.String)
}) {
  override get message(): string {
    return WireFormat.unexpectedMessage(this.status, this.reason)
  }
  /** Proxy and gateway failures (500, 502, 503, 504) may pass; anything else will not. */
  get transient(): boolean {
    return WireFormat.isTransient(this._tag, this.status)
  }
  /** Outside the catalog, so no category. */
  get category(): undefined {
    return undefined
  }
}
internal.markAsErrata(UnexpectedResponse.prototype)


/**
 * The twelve catalog errors, as a schema and as a type.
 *
 * @example
 * import { Schema } from "effect"
 * import { ApiError } from "@errata/core"
 * Schema.is(ApiError.ApiError)(new ApiError.NotFound()) // true
 *
 * @since 0.1.0
 * @category unions
 */
export const ApiError = Schema.Union(
  Unauthorized,
  InsufficientPermissions,
  ValidationError,
  InvalidInput,
  MissingQuery,
  NotFound,
  InvalidMessageId,
  InvalidContactId,
  InvalidBusinessId,
  RateLimitExceeded,
  InternalError,
  ServiceUnavailable
)

/**
 * The twelve catalog errors: what `Match.tagsExhaustive` over the catalog covers.
 *
 * @example
 * import type { ApiError } from "@errata/core"
 * const line = (e: ApiError.ApiError) => `${e.status} ${e.code}: ${e.message}`
 *
 * @since 0.1.0
 * @category unions
 */
export type ApiError = typeof ApiError.Type

/**
 * The catalog error of a wire code.
 *
 * @example
 * import { ApiError } from "@errata/core"
 * const missing: ApiError.ApiErrorOf<"NOT_FOUND"> = new ApiError.NotFound()
 *
 * @since 0.1.0
 * @category models
 */
export type ApiErrorOf<C extends Catalog.Code> = Extract<ApiError, { readonly code: C }>

/**
 * Every error a client can receive: the twelve plus `UnknownApiError` and `UnexpectedResponse`.
 *
 * @example
 * import { Schema } from "effect"
 * import { ApiError } from "@errata/core"
 * Schema.is(ApiError.Any)(new ApiError.UnknownApiError({ code: "RATE_LIMITED", status: 429, message: "Slow down" })) // true
 *
 * @since 0.1.0
 * @category unions
 */
export const Any = Schema.Union(ApiError, UnknownApiError, UnexpectedResponse)

/**
 * The fourteen errors a client can receive, as a type.
 *
 * @example
 * import { Effect } from "effect"
 * import type { ApiError } from "@errata/core"
 * const logged = <A>(call: Effect.Effect<A, ApiError.Any>) =>
 *   Effect.tapError(call, (e) => Effect.logWarning(`${e._tag} (request ${e.requestId ?? "?"})`))
 *
 * @since 0.1.0
 * @category unions
 */
export type Any = typeof Any.Type

/**
 * The catalog errors of one category: `ApiError.InCategory<"server">` is `InternalError |
 * ServiceUnavailable`. The categories are `Catalog.Category`.
 *
 * @example
 * import type { ApiError } from "@errata/core"
 * type Authentication = ApiError.InCategory<"authentication"> // Unauthorized | InsufficientPermissions
 *
 * @since 0.1.0
 * @category unions
 */
export type InCategory<C extends Catalog.Category> = Extract<ApiError, { readonly category: C }>

/**
 * The catalog errors marked transient: `RateLimitExceeded`, `InternalError`, `ServiceUnavailable`.
 * `isTransient` is the guard, and also holds for transient drift.
 *
 * @example
 * import type { ApiError } from "@errata/core"
 * const retryable = (e: ApiError.Transient) => `${e.code} is worth another try`
 *
 * @since 0.1.0
 * @category unions
 */
export type Transient = Extract<ApiError, { readonly transient: true }>

const catalogTags: ReadonlySet<string> = new Set(Catalog.all.map((e) => e.tag))

const hasTypeId = (u: unknown): u is { readonly [TypeId]: TypeId; readonly _tag: unknown } =>
  Predicate.hasProperty(u, TypeId) && Predicate.hasProperty(u, "_tag")

/**
 * Whether a value is one of the twelve catalog errors (from any copy of errata).
 *
 * @example
 * import { ApiError } from "@errata/core"
 * ApiError.isApiError(new ApiError.NotFound()) // true
 * ApiError.isApiError(new ApiError.UnknownApiError({ code: "RATE_LIMITED", status: 429, message: "Slow down" })) // false
 *
 * @since 0.1.0
 * @category guards
 */
export const isApiError = (u: unknown): u is ApiError =>
  hasTypeId(u) && typeof u._tag === "string" && catalogTags.has(u._tag)

/**
 * Whether a value is any errata error: the twelve, `UnknownApiError` or `UnexpectedResponse`.
 *
 * @example
 * import { ApiError, Wire } from "@errata/core"
 * ApiError.isAny(Wire.decode({ status: 502, body: "Bad Gateway" })) // true
 * ApiError.isAny(new Error("boom")) // false
 *
 * @since 0.1.0
 * @category guards
 */
export const isAny = (u: unknown): u is Any =>
  isApiError(u) || (hasTypeId(u) && (u._tag === "UnknownApiError" || u._tag === "UnexpectedResponse"))

/**
 * Whether the same request may succeed later: the transient catalog codes, an `UnknownApiError`
 * with status 429 or 5xx, an `UnexpectedResponse` with status 500, 502, 503 or 504.
 *
 * @example
 * import { ApiError } from "@errata/core"
 * ApiError.isTransient(new ApiError.ServiceUnavailable()) // true
 * ApiError.isTransient(new ApiError.NotFound()) // false
 *
 * @since 0.1.0
 * @category guards
 */
export const isTransient = (u: unknown): boolean => isAny(u) && u.transient

// The class of every catalog code, read off the union's members.
const classOf: ReadonlyMap<string, (typeof ApiError.members)[number]> = new Map(
  ApiError.members.map((ErrorClass) => [ErrorClass.prototype.code, ErrorClass])
)

interface MakeProps {
  readonly message?: string | undefined
  readonly details?: unknown
  readonly requestId?: string | undefined
}

/**
 * Builds the catalog error of a wire code, as `new` on its class would: for code that holds a code
 * rather than a class.
 *
 * @example
 * import { ApiError } from "@errata/core"
 * ApiError.make("NOT_FOUND", { message: "Contact not found" })._tag // "NotFound"
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <C extends Catalog.Code>(code: C, props: MakeProps = {}): ApiErrorOf<C> => {
  const entry = Catalog.entries[code]
  // Only the three fields are read: `props` may be a wider object, such as a wire body's error.
  const error = internal.instantiate<ApiError>(
    classOf.get(code) ?? InternalError,
    entry.tag,
    props.message ?? entry.message,
    props.details,
    props.requestId
  )
  // Boundary: TypeScript cannot correlate the class with `C`; `classOf` maps each code to the
  // class whose prototype carries that code, so the instance is the class of `code`.
  return error as ApiErrorOf<C>
}

/**
 * Handles every error of one category at once; the remaining error type no longer has them.
 *
 * @example
 * import { Effect } from "effect"
 * import { ApiError } from "@errata/core"
 *
 * // Effect.Effect<string, ApiError.NotFound>
 * const handled = (call: Effect.Effect<string, ApiError.NotFound | ApiError.InternalError | ApiError.ServiceUnavailable>) =>
 *   call.pipe(ApiError.catchCategory("server", () => Effect.succeed("later")))
 *
 * @since 0.1.0
 * @category error handling
 */
export const catchCategory: {
  <E, C extends Catalog.Category, A2, E2, R2>(
    category: C,
    f: (error: Extract<E, { readonly category: C }>) => Effect.Effect<A2, E2, R2>
  ): <A, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A | A2, Exclude<E, Extract<E, { readonly category: C }>> | E2, R | R2>
  <A, E, R, C extends Catalog.Category, A2, E2, R2>(
    self: Effect.Effect<A, E, R>,
    category: C,
    f: (error: Extract<E, { readonly category: C }>) => Effect.Effect<A2, E2, R2>
  ): Effect.Effect<A | A2, Exclude<E, Extract<E, { readonly category: C }>> | E2, R | R2>
} = dual(
  3,
  <A, E, R, C extends Catalog.Category, A2, E2, R2>(
    self: Effect.Effect<A, E, R>,
    category: C,
    f: (error: Extract<E, { readonly category: C }>) => Effect.Effect<A2, E2, R2>
  ): Effect.Effect<A | A2, Exclude<E, Extract<E, { readonly category: C }>> | E2, R | R2> =>
    core.catchIf(
      self,
      (e): e is Extract<E, { readonly category: C }> => isApiError(e) && e.category === category,
      f
    )
)
