/**
 * The header wait `Wire.decode` read for an error whose wire body has no room for it (a 503's, a
 * proxy page's), kept beside the error for `ApiError.retryAfter`. The header itself is read by
 * `@errata/dialect`'s `WireFormat.headerWait`; what is Effect's here is the `Duration` and the
 * registry.
 *
 * @internal
 */
import * as Duration from "effect/Duration"

const key: unique symbol = Symbol.for("errata/ApiError/retryAfter")

// One registry per process, even when two copies of this package are loaded: Effect 4 has no
// `GlobalValue`, so it is kept on `globalThis` under a registered symbol. The error classes' fields
// are the wire contract: the wait is kept beside the error, without keeping it alive. Errors are
// not proxied by spans in Effect 4, so the error itself is the key.
const registry: WeakMap<object, Duration.Duration> = (() => {
  const existing: unknown = Reflect.get(globalThis, key)
  if (existing instanceof WeakMap) return existing
  const made = new WeakMap<object, Duration.Duration>()
  Reflect.set(globalThis, key, made)
  return made
})()

/** Keeps the wait, in milliseconds, that the headers of `error`'s response asked for, if any. @internal */
export const record = (error: object, millis: number | undefined): void => {
  if (millis !== undefined) registry.set(error, Duration.millis(millis))
}

/** @internal */
export const recorded = (error: object): Duration.Duration | undefined => registry.get(error)
