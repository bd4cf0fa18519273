/**
 * The one factory behind the twelve catalog classes: a `Schema.TaggedError` per code whose tag and
 * default message come from the catalog row, whose facts (`code`, `status`, `category`,
 * `transient`) and typed extras (`issues`, `scope`, …) sit on the prototype, and whose constructor
 * is cheap enough for an error path that runs as often as a success path.
 *
 * @internal
 */
import type * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Catalog from "@errata/dialect/Catalog"
import * as WireFormat from "@errata/dialect/WireFormat"
import * as RetryAfter from "./retryAfter.js"

/** @internal */
export const TypeId: unique symbol = Symbol.for("@errata/core/ApiError")

/** @internal */
export type TypeId = typeof TypeId

/**
 * `HttpApiSchema.AnnotationStatus` of `@effect/platform`: a registered symbol, so errata's classes
 * carry their status where `HttpApi` reads it without a dependency on the platform.
 *
 * @internal
 */
export const StatusAnnotation: unique symbol = Symbol.for("@effect/platform/HttpApiSchema/AnnotationStatus")

/** @internal */
export const Issue = Schema.Struct({
  path: Schema.Array(Schema.Union(Schema.String, Schema.Number)),
  message: Schema.String
})

const detailsField = (details: unknown, key: string): unknown =>
  Predicate.isRecord(details) ? details[key] : undefined

const stringField = (details: unknown, key: string): string | undefined => {
  const value = detailsField(details, key)
  return typeof value === "string" ? value : undefined
}

const decodeIssues = Schema.decodeUnknownOption(Schema.Array(Issue))
const issuesOf = (details: unknown): ReadonlyArray<typeof Issue.Type> =>
  Option.getOrElse(decodeIssues(detailsField(details, "issues")), () => [])

const detailsOf = (self: unknown): unknown => (Predicate.hasProperty(self, "details") ? self.details : undefined)

/**
 * The wait an errata error asks for: `details.retryAfter` in seconds when the body named a valid
 * one, else what a `Retry-After` header said when the response was decoded.
 *
 * @internal
 */
export const retryAfterOf = (error: unknown): Duration.Duration | undefined => {
  if (!Predicate.hasProperty(error, TypeId)) return undefined
  const seconds = WireFormat.retryAfter(detailsOf(error))
  return seconds === undefined ? RetryAfter.recorded(error) : Duration.seconds(seconds)
}

/** The typed extras of the codes that have any, read from `details` on each access. */
export interface Extras {
  readonly INSUFFICIENT_PERMISSIONS: {
    /** The scope that was needed (`details.scope`), e.g. `"contacts:write"`. */
    readonly scope: string | undefined
  }
  readonly VALIDATION_ERROR: {
    /** One entry per failing field (`details.issues`); empty when the body used another shape. */
    readonly issues: ReadonlyArray<typeof Issue.Type>
  }
  readonly INVALID_INPUT: {
    /** One entry per failing input (`details.issues`); empty when the body used another shape. */
    readonly issues: ReadonlyArray<typeof Issue.Type>
  }
  readonly MISSING_QUERY: {
    /** The missing parameter (`details.parameter`). */
    readonly parameter: string | undefined
  }
  readonly INVALID_MESSAGE_ID: {
    /** The offending value (`details.value`), cut to a safe length by the server. */
    readonly value: string | undefined
  }
  readonly INVALID_CONTACT_ID: Extras["INVALID_MESSAGE_ID"]
  readonly INVALID_BUSINESS_ID: Extras["INVALID_MESSAGE_ID"]
  readonly RATE_LIMIT_EXCEEDED: {
    /** The wait the server asked for (`details.retryAfter` or the `Retry-After` header). */
    readonly retryAfter: Duration.Duration | undefined
  }
}

type Getters = { readonly [C in keyof Extras]: { readonly [K in keyof Extras[C]]: (self: unknown) => Extras[C][K] } }

const value = { value: (self: unknown) => stringField(detailsOf(self), "value") }

const getters: Getters = {
  INSUFFICIENT_PERMISSIONS: { scope: (self) => stringField(detailsOf(self), "scope") },
  VALIDATION_ERROR: { issues: (self) => issuesOf(detailsOf(self)) },
  INVALID_INPUT: { issues: (self) => issuesOf(detailsOf(self)) },
  MISSING_QUERY: { parameter: (self) => stringField(detailsOf(self), "parameter") },
  INVALID_MESSAGE_ID: value,
  INVALID_CONTACT_ID: value,
  INVALID_BUSINESS_ID: value,
  RATE_LIMIT_EXCEEDED: { retryAfter: retryAfterOf }
}

/** The catalog facts and typed extras every instance of the class of `C` has. */
export type Facts<C extends Catalog.Code> =
  & {
    readonly [TypeId]: TypeId
    /** The wire code, e.g. `"NOT_FOUND"`. */
    readonly code: C
    /** The HTTP status the API answers this code with. */
    readonly status: Catalog.Entry<C>["status"]
    readonly category: Catalog.Entry<C>["category"]
    /** Whether a retry of the same request may succeed. */
    readonly transient: Catalog.Entry<C>["transient"]
  }
  & (C extends keyof Extras ? Extras[C] : unknown)

const fields = {
  message: Schema.String,
  /** The raw `details` object as it came off the wire; kept even when its shape is unexpected. */
  details: Schema.optional(Schema.Unknown),
  /** The `X-Request-ID` of the response: what support asks for. */
  requestId: Schema.optional(Schema.String)
}

type Fields<C extends Catalog.Code> = {
  readonly _tag: Schema.tag<Catalog.Entry<C>["tag"]>
  readonly message: Schema.optionalWith<typeof Schema.String, { default: () => string }>
  readonly details: typeof fields.details
  readonly requestId: typeof fields.requestId
}

/** The class of a catalog code, as `Schema.TaggedError` would type it, plus the facts. */
export interface CatalogErrorClass<Self, C extends Catalog.Code> extends
  Schema.Class<
    Self,
    Fields<C>,
    Schema.Struct.Encoded<Fields<C>>,
    never,
    Schema.Struct.Constructor<Omit<Fields<C>, "_tag">>,
    {},
    Cause.YieldableError & Facts<C>
  >
{
  readonly _tag: Catalog.Entry<C>["tag"]
}

// A writable view of V8's `Error.stackTraceLimit`, which Node's types declare as a number only.
const errorLimit: { stackTraceLimit: unknown } = Error

// A genuine `Error` (Reflect.construct gives it the internal error slot) with the prototype of
// `target` and no stack: Node documents that a limit which is not a number captures no frames at
// all. The limit is restored before anything else can run.
const bareError = (target: abstract new(...args: ReadonlyArray<never>) => unknown, message: string): Record<string, unknown> => {
  const limit = errorLimit.stackTraceLimit
  errorLimit.stackTraceLimit = undefined
  try {
    return Reflect.construct(Error, [message], target)
  } finally {
    errorLimit.stackTraceLimit = limit
  }
}

/**
 * Makes the class of a catalog code: `Schema.TaggedError`'s class, whose constructor captures no
 * JavaScript stack and does not validate its props.
 *
 * A catalog error is a value that describes an answer, and an API under a 401 flood or a 404 scan
 * raises one per request. The request ID and the span trace Effect adds to the `Cause` locate it,
 * so a stack would be the most expensive part of it and say the least; the props' types are
 * checked at compile time and `details` is free-form by contract.
 *
 * @internal
 */
export const CatalogError = <C extends Catalog.Code>(code: C) => <Self>(): CatalogErrorClass<Self, C> => {
  const entry = Catalog.entries[code]
  // `Self` is only known to the caller; the cast below gives the class its real type. The status
  // is annotated under `HttpApiSchema`'s key, so `addError(ApiError.NotFound)` is a 404.
  const Base = Schema.TaggedError<unknown>()(entry.tag, {
    ...fields,
    message: Schema.optionalWith(Schema.String, { default: () => entry.message })
  }, { [StatusAnnotation]: entry.status })
  class CatalogErrorBase extends Base {
    constructor(props?: ConstructorParameters<typeof Base>[0], options?: Schema.MakeOptions) {
      const limit = errorLimit.stackTraceLimit
      // As in `bareError`, which cannot wrap a `super` call.
      errorLimit.stackTraceLimit = undefined
      try {
        super(props, options ?? true)
      } finally {
        errorLimit.stackTraceLimit = limit
      }
    }
  }
  const prototype = CatalogErrorBase.prototype
  markAsErrata(prototype)
  for (const fact of ["code", "status", "category", "transient"] as const) {
    Object.defineProperty(prototype, fact, { value: entry[fact] })
  }
  const extras: Readonly<Record<string, (self: unknown) => unknown>> | undefined = isExtrasCode(code)
    ? getters[code]
    : undefined
  for (const [name, get] of Object.entries(extras ?? {})) {
    Object.defineProperty(prototype, name, {
      get() {
        return get(this)
      }
    })
  }
  // Boundary: the class above is `Base` with the facts and extras `Facts<C>` names on its
  // prototype, which TypeScript cannot see through `defineProperty`.
  return CatalogErrorBase as unknown as CatalogErrorClass<Self, C>
}

/**
 * Builds an instance of a catalog class the way its constructor would, minus Schema's constructor
 * bookkeeping, which costs several times the error itself: the decoder's hot path and
 * `ApiError.make`. The instance has the class's prototype and the own fields the constructor
 * gives, in its order
 * (`_tag` last: Effect's structural hash follows key order); a test holds the two equal.
 *
 * @internal
 */
export const instantiate = <A>(
  ErrorClass: abstract new(...args: ReadonlyArray<never>) => A,
  tag: string,
  message: string,
  details: unknown,
  requestId: string | undefined
): A => {
  const self = bareError(ErrorClass, message)
  if (details !== undefined) self["details"] = details
  if (requestId !== undefined) self["requestId"] = requestId
  self["_tag"] = tag
  // Boundary: `self` was constructed with `ErrorClass` as new.target and has its own properties.
  return self as A
}

const isExtrasCode = (code: Catalog.Code): code is keyof Extras => Object.hasOwn(getters, code)

// The JSON form of an errata error: its own fields plus `message`, which `Error` keeps
// non-enumerable.
function jsonOf(this: { readonly message: string }): Record<string, unknown> {
  return { ...this, message: this.message }
}

/**
 * Marks the prototype of an errata class: the type id the guards look for (so they work across
 * copies of the package), and its JSON form. Plain values on the prototype: they cost nothing per
 * instance and stay out of equality and JSON.
 *
 * @internal
 */
export const markAsErrata = (prototype: object): void => {
  Object.defineProperties(prototype, { [TypeId]: { value: TypeId }, toJSON: { value: jsonOf } })
}
