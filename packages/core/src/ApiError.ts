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
import * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as core from "effect/Effect"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Catalog from "./Catalog.js"
import { instantiateCatalog, jsonOf } from "./internal/instantiate.js"

/**
 * Marks errata's errors so the guards work across copies of the package and across realms.
 *
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@errata/core/ApiError")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * The longest body excerpt an `UnexpectedResponse` keeps, in UTF-16 code units (1 KiB of ASCII).
 *
 * @since 0.1.0
 * @category constants
 */
export const EXCERPT_MAX_LENGTH = 1024

/**
 * The catalog facts every catalog error carries, read from its row.
 *
 * @since 0.1.0
 * @category models
 */
export interface CatalogFacts<C extends Catalog.Code> {
  readonly [TypeId]: TypeId
  /** The wire code, e.g. `"NOT_FOUND"`. */
  readonly code: C
  /** The HTTP status the API answers this code with. */
  readonly status: Catalog.EntryOf<C>["status"]
  readonly category: Catalog.EntryOf<C>["category"]
  /** Whether a retry of the same request may succeed. */
  readonly transient: Catalog.EntryOf<C>["transient"]
}

/**
 * One failing field of a `VALIDATION_ERROR` or `INVALID_INPUT`: where it is, and what is wrong.
 *
 * @since 0.1.0
 * @category models
 */
export const Issue = Schema.Struct({
  path: Schema.Array(Schema.Union(Schema.String, Schema.Number)),
  message: Schema.String
})

/**
 * @since 0.1.0
 * @category models
 */
export type Issue = typeof Issue.Type

const fieldsFor = <C extends Catalog.Code>(code: C) => ({
  message: Schema.optionalWith(Schema.String, { default: () => Catalog.entries[code].message }),
  /** The raw `details` object as it came off the wire; kept even when its shape is unexpected. */
  details: Schema.optional(Schema.Unknown),
  /** The `X-Request-ID` of the response: what support asks for. */
  requestId: Schema.optional(Schema.String)
})

// The Schema.TaggedError base of a catalog code: its tag and fields come from the catalog row.
const CatalogError = <C extends Catalog.Code>(code: C) => <Self>() =>
  Schema.TaggedError<Self>()(Catalog.entries[code].tag, fieldsFor(code))

const withFacts = <C extends Catalog.Code>(prototype: object, code: C): void => {
  const entry = Catalog.entries[code]
  // Plain values on the prototype: they cost nothing per instance and stay out of equality and JSON.
  Object.defineProperties(prototype, { [TypeId]: { value: TypeId }, toJSON: { value: jsonOf } })
  for (const fact of ["code", "status", "category", "transient"] as const) {
    Object.defineProperty(prototype, fact, { value: entry[fact] })
  }
}

const detailsField = (details: unknown, key: string): unknown =>
  Predicate.isRecord(details) ? details[key] : undefined

const stringField = (details: unknown, key: string): string | undefined => {
  const value = detailsField(details, key)
  return typeof value === "string" ? value : undefined
}

const decodeIssues = Schema.decodeUnknownOption(Schema.Array(Issue))
const issuesOf = (details: unknown): ReadonlyArray<Issue> =>
  Option.getOrElse(decodeIssues(detailsField(details, "issues")), () => [])

/**
 * Reads a wait in whole or fractional seconds; anything else (negative, NaN, a string) is no wait.
 *
 * @since 0.1.0
 * @category constructors
 */
export const retryAfterOf = (details: unknown): Duration.Duration | undefined => {
  const value = detailsField(details, "retryAfter")
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Duration.seconds(value) : undefined
}

/**
 * `UNAUTHORIZED` (401): the API key is missing or invalid.
 *
 * @since 0.1.0
 * @category errors
 */
export class Unauthorized extends CatalogError("UNAUTHORIZED")<Unauthorized>() {}
/** @since 0.1.0 */
export interface Unauthorized extends CatalogFacts<"UNAUTHORIZED"> {}
withFacts(Unauthorized.prototype, "UNAUTHORIZED")

/**
 * `INSUFFICIENT_PERMISSIONS` (403): the key is valid but lacks a scope; `scope` names it when the
 * server said.
 *
 * @since 0.1.0
 * @category errors
 */
export class InsufficientPermissions extends CatalogError("INSUFFICIENT_PERMISSIONS")<InsufficientPermissions>() {
  /** The scope that was needed (`details.scope`), e.g. `"contacts:write"`. */
  get scope(): string | undefined {
    return stringField(this.details, "scope")
  }
}
/** @since 0.1.0 */
export interface InsufficientPermissions extends CatalogFacts<"INSUFFICIENT_PERMISSIONS"> {}
withFacts(InsufficientPermissions.prototype, "INSUFFICIENT_PERMISSIONS")

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
export class ValidationError extends CatalogError("VALIDATION_ERROR")<ValidationError>() {
  /** One entry per failing field (`details.issues`); empty when the body used another shape. */
  get issues(): ReadonlyArray<Issue> {
    return issuesOf(this.details)
  }
}
/** @since 0.1.0 */
export interface ValidationError extends CatalogFacts<"VALIDATION_ERROR"> {}
withFacts(ValidationError.prototype, "VALIDATION_ERROR")

/**
 * `INVALID_INPUT` (400): a query parameter or other input is invalid; `issues` are rooted at the
 * parameter name.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidInput extends CatalogError("INVALID_INPUT")<InvalidInput>() {
  /** One entry per failing input (`details.issues`); empty when the body used another shape. */
  get issues(): ReadonlyArray<Issue> {
    return issuesOf(this.details)
  }
}
/** @since 0.1.0 */
export interface InvalidInput extends CatalogFacts<"INVALID_INPUT"> {}
withFacts(InvalidInput.prototype, "INVALID_INPUT")

/**
 * `MISSING_QUERY` (400): a required query parameter is absent; `parameter` names it.
 *
 * @since 0.1.0
 * @category errors
 */
export class MissingQuery extends CatalogError("MISSING_QUERY")<MissingQuery>() {
  /** The missing parameter (`details.parameter`). */
  get parameter(): string | undefined {
    return stringField(this.details, "parameter")
  }
}
/** @since 0.1.0 */
export interface MissingQuery extends CatalogFacts<"MISSING_QUERY"> {}
withFacts(MissingQuery.prototype, "MISSING_QUERY")

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
/** @since 0.1.0 */
export interface NotFound extends CatalogFacts<"NOT_FOUND"> {}
withFacts(NotFound.prototype, "NOT_FOUND")

/**
 * `INVALID_MESSAGE_ID` (400): a message ID is not a UUID; `value` holds what was sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidMessageId extends CatalogError("INVALID_MESSAGE_ID")<InvalidMessageId>() {
  /** The offending value (`details.value`), cut to a safe length by the server. */
  get value(): string | undefined {
    return stringField(this.details, "value")
  }
}
/** @since 0.1.0 */
export interface InvalidMessageId extends CatalogFacts<"INVALID_MESSAGE_ID"> {}
withFacts(InvalidMessageId.prototype, "INVALID_MESSAGE_ID")

/**
 * `INVALID_CONTACT_ID` (400): a contact ID is not a UUID; `value` holds what was sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidContactId extends CatalogError("INVALID_CONTACT_ID")<InvalidContactId>() {
  /** The offending value (`details.value`), cut to a safe length by the server. */
  get value(): string | undefined {
    return stringField(this.details, "value")
  }
}
/** @since 0.1.0 */
export interface InvalidContactId extends CatalogFacts<"INVALID_CONTACT_ID"> {}
withFacts(InvalidContactId.prototype, "INVALID_CONTACT_ID")

/**
 * `INVALID_BUSINESS_ID` (400): a business ID is not a UUID; `value` holds what was sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidBusinessId extends CatalogError("INVALID_BUSINESS_ID")<InvalidBusinessId>() {
  /** The offending value (`details.value`), cut to a safe length by the server. */
  get value(): string | undefined {
    return stringField(this.details, "value")
  }
}
/** @since 0.1.0 */
export interface InvalidBusinessId extends CatalogFacts<"INVALID_BUSINESS_ID"> {}
withFacts(InvalidBusinessId.prototype, "INVALID_BUSINESS_ID")

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
export class RateLimitExceeded extends CatalogError("RATE_LIMIT_EXCEEDED")<RateLimitExceeded>() {
  /** The wait the server asked for (`details.retryAfter`, seconds), if it named a valid one. */
  get retryAfter(): Duration.Duration | undefined {
    return retryAfterOf(this.details)
  }
}
/** @since 0.1.0 */
export interface RateLimitExceeded extends CatalogFacts<"RATE_LIMIT_EXCEEDED"> {}
withFacts(RateLimitExceeded.prototype, "RATE_LIMIT_EXCEEDED")

/**
 * `INTERNAL_ERROR` (500, transient): an unexpected server error.
 *
 * @since 0.1.0
 * @category errors
 */
export class InternalError extends CatalogError("INTERNAL_ERROR")<InternalError>() {}
/** @since 0.1.0 */
export interface InternalError extends CatalogFacts<"INTERNAL_ERROR"> {}
withFacts(InternalError.prototype, "INTERNAL_ERROR")

/**
 * `SERVICE_UNAVAILABLE` (503, transient): a temporary outage.
 *
 * @since 0.1.0
 * @category errors
 */
export class ServiceUnavailable extends CatalogError("SERVICE_UNAVAILABLE")<ServiceUnavailable>() {}
/** @since 0.1.0 */
export interface ServiceUnavailable extends CatalogFacts<"SERVICE_UNAVAILABLE"> {}
withFacts(ServiceUnavailable.prototype, "SERVICE_UNAVAILABLE")

/**
 * A well-formed error body whose code is outside the catalog (drift such as `RATE_LIMITED`):
 * everything received is kept. A 429 or 5xx stays transient whatever the code says.
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
    return this.status === 429 || (this.status >= 500 && this.status <= 599)
  }
  /** Outside the catalog, so no category. */
  get category(): undefined {
    return undefined
  }
}
/** @since 0.1.0 */
export interface UnknownApiError {
  readonly [TypeId]: TypeId
}
Object.defineProperties(UnknownApiError.prototype, { [TypeId]: { value: TypeId }, toJSON: { value: jsonOf } })

/**
 * Why a response was not the wire format.
 *
 * @since 0.1.0
 * @category models
 */
export type UnexpectedReason = "EmptyBody" | "InvalidJson" | "NotWireFormat"

const unexpectedReasonText: Record<UnexpectedReason, string> = {
  EmptyBody: "an empty body",
  InvalidJson: "a body that is not JSON",
  NotWireFormat: "a body not in the error format"
}

const transientUnexpectedStatuses: ReadonlySet<number> = new Set([500, 502, 503, 504])

/**
 * A response that is not the wire format at all: an HTML page from a proxy, an empty or truncated
 * body, a JSON array. Keeps the status, request ID, content type and a bounded excerpt.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnexpectedResponse extends Schema.TaggedError<UnexpectedResponse>()("UnexpectedResponse", {
  reason: Schema.Literal("EmptyBody", "InvalidJson", "NotWireFormat"),
  status: Schema.Number,
  /** At most `EXCERPT_MAX_LENGTH` characters of the body. */
  excerpt: Schema.String,
  contentType: Schema.optional(Schema.String),
  requestId: Schema.optional(Schema.String)
}) {
  override get message(): string {
    return `Unexpected ${this.status} response with ${unexpectedReasonText[this.reason]}`
  }
  /** Proxy and gateway failures (500, 502, 503, 504) may pass; anything else will not. */
  get transient(): boolean {
    return transientUnexpectedStatuses.has(this.status)
  }
  /** Outside the catalog, so no category. */
  get category(): undefined {
    return undefined
  }
}
/** @since 0.1.0 */
export interface UnexpectedResponse {
  readonly [TypeId]: TypeId
}
Object.defineProperties(UnexpectedResponse.prototype, { [TypeId]: { value: TypeId }, toJSON: { value: jsonOf } })

/**
 * The error class of every catalog code, keyed by wire code.
 *
 * @since 0.1.0
 * @category catalog
 */
export const classes = {
  UNAUTHORIZED: Unauthorized,
  INSUFFICIENT_PERMISSIONS: InsufficientPermissions,
  VALIDATION_ERROR: ValidationError,
  INVALID_INPUT: InvalidInput,
  MISSING_QUERY: MissingQuery,
  NOT_FOUND: NotFound,
  INVALID_MESSAGE_ID: InvalidMessageId,
  INVALID_CONTACT_ID: InvalidContactId,
  INVALID_BUSINESS_ID: InvalidBusinessId,
  RATE_LIMIT_EXCEEDED: RateLimitExceeded,
  INTERNAL_ERROR: InternalError,
  SERVICE_UNAVAILABLE: ServiceUnavailable
} as const satisfies { readonly [C in Catalog.Code]: { readonly _tag: Catalog.EntryOf<C>["tag"] } }

/**
 * The twelve catalog errors, as a schema and as a type.
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
 * @since 0.1.0
 * @category unions
 */
export type ApiError = typeof ApiError.Type

/**
 * The catalog error of a wire code.
 *
 * @since 0.1.0
 * @category models
 */
export type ApiErrorOf<C extends Catalog.Code> = InstanceType<(typeof classes)[C]>

/**
 * Every error a client can receive: the twelve plus `UnknownApiError` and `UnexpectedResponse`.
 *
 * @since 0.1.0
 * @category unions
 */
export const Any = Schema.Union(ApiError, UnknownApiError, UnexpectedResponse)

/**
 * @since 0.1.0
 * @category unions
 */
export type Any = typeof Any.Type

/**
 * The catalog errors of one category, as a type.
 *
 * @since 0.1.0
 * @category unions
 */
export type InCategory<C extends Catalog.Category> = Extract<ApiError, { readonly category: C }>

/**
 * `UNAUTHORIZED`, `INSUFFICIENT_PERMISSIONS`.
 *
 * @since 0.1.0
 * @category unions
 */
export const Authentication = Schema.Union(Unauthorized, InsufficientPermissions)
/** @since 0.1.0 */
export type Authentication = InCategory<"authentication">

/**
 * `VALIDATION_ERROR`, `INVALID_INPUT`, `MISSING_QUERY`.
 *
 * @since 0.1.0
 * @category unions
 */
export const Validation = Schema.Union(ValidationError, InvalidInput, MissingQuery)
/** @since 0.1.0 */
export type Validation = InCategory<"validation">

/**
 * `NOT_FOUND` and the three `INVALID_*_ID`.
 *
 * @since 0.1.0
 * @category unions
 */
export const Resource = Schema.Union(NotFound, InvalidMessageId, InvalidContactId, InvalidBusinessId)
/** @since 0.1.0 */
export type Resource = InCategory<"resource">

/**
 * `RATE_LIMIT_EXCEEDED`.
 *
 * @since 0.1.0
 * @category unions
 */
export const RateLimiting = Schema.Union(RateLimitExceeded)
/** @since 0.1.0 */
export type RateLimiting = InCategory<"rate limiting">

/**
 * `INTERNAL_ERROR`, `SERVICE_UNAVAILABLE`.
 *
 * @since 0.1.0
 * @category unions
 */
export const Server = Schema.Union(InternalError, ServiceUnavailable)
/** @since 0.1.0 */
export type Server = InCategory<"server">

/**
 * The catalog errors marked transient: `RATE_LIMIT_EXCEEDED`, `INTERNAL_ERROR`, `SERVICE_UNAVAILABLE`.
 *
 * @since 0.1.0
 * @category unions
 */
export const Transient = Schema.Union(RateLimitExceeded, InternalError, ServiceUnavailable)
/** @since 0.1.0 */
export type Transient = Extract<ApiError, { readonly transient: true }>

const hasTypeId = (u: unknown): u is { readonly [TypeId]: TypeId; readonly _tag: unknown } =>
  Predicate.hasProperty(u, TypeId) && Predicate.hasProperty(u, "_tag")

/**
 * Whether a value is one of the twelve catalog errors (from any copy of errata).
 *
 * @since 0.1.0
 * @category guards
 */
export const isApiError = (u: unknown): u is ApiError =>
  hasTypeId(u) && typeof u._tag === "string" && Catalog.byTag(u._tag) !== undefined

/**
 * Whether a value is any errata error: the twelve, `UnknownApiError` or `UnexpectedResponse`.
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

// One lookup for the row and the class: the decoder's hot path meets all twelve codes in turn.
const rowAndClass: ReadonlyMap<
  string,
  readonly [Catalog.EntryOf<Catalog.Code>, abstract new(...args: ReadonlyArray<never>) => ApiError]
> = new Map(Catalog.codes.map((code) => [code, [Catalog.entries[code], classes[code]]]))

/**
 * Builds the catalog error of a wire code.
 *
 * @example
 * import { ApiError } from "@errata/core"
 * ApiError.make("NOT_FOUND", { message: "Contact not found" })._tag // "NotFound"
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <C extends Catalog.Code>(
  code: C,
  props: {
    readonly message?: string | undefined
    readonly details?: unknown
    readonly requestId?: string | undefined
  } = {}
): ApiErrorOf<C> => {
  const [entry, ErrorClass] = rowAndClass.get(code) ?? [Catalog.entries[code], classes[code]]
  // Boundary: TypeScript cannot correlate the class with `C`; `classes` is checked against the
  // catalog by its `satisfies` clause, so the instance is the class of `code`.
  return instantiateCatalog<ApiError>(
    ErrorClass,
    entry.tag,
    props.message ?? entry.message,
    props.details,
    props.requestId
  ) as ApiErrorOf<C>
}

/**
 * The categories present in an error type.
 *
 * @since 0.1.0
 * @category models
 */
export type CategoryOf<E> = E extends { readonly category: infer C extends Catalog.Category } ? C : never

/**
 * Handles every error of one category at once; the remaining error type no longer has them.
 *
 * @example
 * import { Effect } from "effect"
 * import { ApiError } from "@errata/core"
 *
 * declare const call: Effect.Effect<string, ApiError.NotFound | ApiError.InternalError | ApiError.ServiceUnavailable>
 * // Effect.Effect<string, ApiError.NotFound>
 * const handled = call.pipe(ApiError.catchCategory("server", () => Effect.succeed("later")))
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
