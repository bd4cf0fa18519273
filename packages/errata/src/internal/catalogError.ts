/**
 * The one factory behind the twelve catalog classes: a `Schema.TaggedError` per code whose tag,
 * default message and HTTP status come from the catalog row, whose facts (`code`, `status`,
 * `category`, `transient`) and typed extras (`issues`, `scope`, …) sit on the prototype, and whose
 * instances carry no JavaScript stack.
 *
 * @internal
 */
import type * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Catalog from "@errata/dialect/Catalog"
import * as WireFormat from "@errata/dialect/WireFormat"
import * as RetryAfter from "./retryAfter.js"

/** @internal */
export const TypeId: unique symbol = Symbol.for("errata/ApiError")

/** @internal */
export type TypeId = typeof TypeId

/** @internal */
export const Issue = Schema.Struct({
  path: Schema.Array(Schema.Union([Schema.String, Schema.Number])),
  message: Schema.String
})

const detailsOf = (self: unknown): unknown => (Predicate.hasProperty(self, "details") ? self.details : undefined)

const detailsField = (details: unknown, key: string): unknown =>
  Predicate.isObject(details) ? details[key] : undefined

const stringField = (details: unknown, key: string): string | undefined => {
  const value = detailsField(details, key)
  return typeof value === "string" ? value : undefined
}

const decodeIssues = Schema.decodeUnknownOption(Schema.Array(Issue))
const issuesOf = (details: unknown): ReadonlyArray<typeof Issue.Type> =>
  Option.getOrElse(decodeIssues(detailsField(details, "issues")), () => [])

/**
 * The wait an errata error asks for: `details.retryAfter` in seconds when the body named a valid
 * one (the dialect's `WireFormat.retryAfter`), else what a `Retry-After` header said when the
 * response was decoded.
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

/** The fields of every catalog class but `_tag`: `message` defaults to the catalog's. */
type Fields = {
  readonly message: Schema.withConstructorDefault<Schema.withDecodingDefaultKey<typeof Schema.String>>
  /** The raw `details` object as it came off the wire; kept even when its shape is unexpected. */
  readonly details: Schema.optionalKey<typeof Schema.Unknown>
  /** The `X-Request-ID` of the response: what support asks for. */
  readonly requestId: Schema.optionalKey<typeof Schema.String>
}

/** The class of a catalog code, as `Schema.TaggedError` types it, with the facts. */
export interface CatalogErrorClass<Self, C extends Catalog.Code>
  extends Schema.Class<Self, Schema.TaggedStruct<Catalog.Entry<C>["tag"], Fields>, Cause.YieldableError & Facts<C>>
{}

// A writable view of V8's `Error.stackTraceLimit` (Node's types declare a number only), or
// `undefined` where the intrinsics are frozen (SES, some sandboxes), where a write would throw:
// there errors keep their stacks.
const errorLimit: { stackTraceLimit: unknown } | undefined =
  Object.getOwnPropertyDescriptor(Error, "stackTraceLimit")?.writable === true ? Error : undefined

// A genuine `Error` (Reflect.construct gives it the internal error slot) with the prototype of
// `target` and no stack: Node documents that a limit which is not a number captures no frames at
// all. The limit is restored before anything else can run.
const bareError = (target: abstract new(...args: ReadonlyArray<never>) => unknown, message: string): Record<string, unknown> => {
  const limit = errorLimit?.stackTraceLimit
  if (errorLimit !== undefined) errorLimit.stackTraceLimit = undefined
  try {
    return Reflect.construct(Error, [message], target)
  } finally {
    if (errorLimit !== undefined) errorLimit.stackTraceLimit = limit
  }
}

/**
 * Makes the class of a catalog code: `Schema.TaggedError`'s class, annotated with the status of
 * its row under `httpApiStatus` (what `HttpApi` reads, a plain string key, so core needs nothing
 * of `effect/http-api`), whose constructor captures no JavaScript stack.
 *
 * A catalog error is a value that describes an answer, and an API under a 401 flood or a 404 scan
 * raises one per request. The request ID and the span trace Effect adds to the `Cause` locate it,
 * so a stack would be the most expensive part of it and say the least.
 *
 * @internal
 */
export const CatalogError = <C extends Catalog.Code>(code: C) => <Self>(): CatalogErrorClass<Self, C> => {
  const entry = Catalog.entries[code]
  const byDefault: Effect.Effect<string> = Effect.succeed(entry.message)
  // `Self` is only known to the caller; the cast below gives the class its real type.
  const Base = Schema.TaggedError<unknown>()(entry.tag, {
    message: Schema.String.pipe(
      Schema.withDecodingDefaultKey<typeof Schema.String>(byDefault),
      Schema.withConstructorDefault(byDefault)
    ),
    details: Schema.optionalKey(Schema.Unknown),
    requestId: Schema.optionalKey(Schema.String)
  }, { httpApiStatus: entry.status })
  class CatalogErrorBase extends Base {
    constructor(...args: ConstructorParameters<typeof Base>) {
      // As in `bareError`, which cannot wrap a `super` call.
      const limit = errorLimit?.stackTraceLimit
      if (errorLimit !== undefined) errorLimit.stackTraceLimit = undefined
      try {
        super(...args)
      } finally {
        if (errorLimit !== undefined) errorLimit.stackTraceLimit = limit
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
 * Builds an instance of a catalog class without its constructor, whose Schema pass costs several
 * times the error itself: the decoder's hot path and `ApiError.make`. The instance has the class's
 * prototype and the own enumerable fields the constructor gives, in its order (`_tag` first, as
 * `Schema.TaggedError` puts it); `message` is the `Error`'s own. A test holds the two equal.
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
  self["_tag"] = tag
  if (details !== undefined) self["details"] = details
  if (requestId !== undefined) self["requestId"] = requestId
  // Boundary: `self` was constructed with `ErrorClass` as new.target and has its own properties.
  return self as A
}

const isExtrasCode = (code: Catalog.Code): code is keyof Extras => Object.hasOwn(getters, code)

// The JSON form of an errata error: its own fields plus `message`, which `Error` keeps
// non-enumerable.
function jsonOf(this: { readonly message: string }): Record<string, unknown> {
  return { ...this, message: this.message }
}

// Two errata errors are equal when they are of the same class and say the same: the same message
// and the same own fields, compared with `Equal.equals`, as Effect's structural equality of data
// compares them. (Effect 4's default for an `Error` also compares the private bookkeeping its
// constructor adds, which an instance `Wire.decode` builds does not have.)
function equalsOf(this: { readonly [key: string]: unknown }, that: unknown): boolean {
  if (!Predicate.isObject(that) || Object.getPrototypeOf(that) !== Object.getPrototypeOf(this)) return false
  if (that["message"] !== this["message"]) return false
  const keys = Object.keys(this)
  return keys.length === Object.keys(that).length &&
    keys.every((key) => Object.hasOwn(that, key) && Equal.equals(this[key], that[key]))
}

function hashOf(this: { readonly [key: string]: unknown }): number {
  return Hash.combine(Hash.string(String(this["message"])), Hash.structureKeys(this, Object.keys(this)))
}

/**
 * Marks the prototype of an errata class: the type id the guards look for (so they work across
 * copies of the package), its JSON form, and its equality and hash. Plain values on the prototype:
 * they cost nothing per instance and stay out of equality and JSON.
 *
 * @internal
 */
export const markAsErrata = (prototype: object): void => {
  Object.defineProperties(prototype, {
    [TypeId]: { value: TypeId },
    toJSON: { value: jsonOf },
    [Equal.symbol]: { value: equalsOf },
    [Hash.symbol]: { value: hashOf }
  })
}
