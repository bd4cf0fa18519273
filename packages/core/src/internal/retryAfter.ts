/**
 * The header wait `Wire.decode` read for an error whose wire body has no room for it (a 503's, a
 * proxy page's), kept beside the error for `ApiError.retryAfter`. The header itself is parsed by
 * `@errata/dialect`'s `RetryAfter`; what is Effect's here is the `Duration` and the registry.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import { globalValue } from "effect/GlobalValue"
import * as Predicate from "effect/Predicate"

// The error classes' fields are the wire contract: the wait is kept beside the error, without
// keeping it alive. One registry per process even when two copies of this package are loaded.
const registry = globalValue("@errata/core/RetryAfter", () => new WeakMap<object, Duration.Duration>())

/** Keeps the wait, in milliseconds, that the headers of `error`'s response asked for, if any. @internal */
export const record = (error: object, millis: number | undefined): void => {
  if (millis !== undefined) registry.set(error, Duration.millis(millis))
}

/** @internal */
export const recorded = (error: unknown): Duration.Duration | undefined => {
  // `Effect.fail` inside a span hands on a proxy of the error: both share the original's entry.
  const original = Cause.originalError(error)
  return Predicate.isObject(original) ? registry.get(original) : undefined
}
