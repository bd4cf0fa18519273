/**
 * Reading a `Retry-After` header, which HTTP allows as delta-seconds (`120`) or as an HTTP-date
 * (`Wed, 21 Oct 2026 07:28:00 GMT`), and the non-standard `retry-after-ms` some APIs add. The only
 * place errata parses the header: `Wire.decode` does, and keeps what it read beside the error for
 * `ApiError.retryAfter`.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import { globalValue } from "effect/GlobalValue"

const deltaSeconds = /^\d+$/
const hasLetter = /[A-Z]/i

/**
 * The wait a `Retry-After` value asks for, measured from `now` (epoch milliseconds) for dates.
 * `undefined` when the value is missing, unparsable, or a date that has already passed.
 *
 * @internal
 */
export const parse = (value: string | null | undefined, now: number): Duration.Duration | undefined => {
  if (value === undefined || value === null) return undefined
  const trimmed = value.trim()
  if (trimmed.length === 0) return undefined
  if (deltaSeconds.test(trimmed)) {
    const seconds = Number(trimmed)
    return Number.isSafeInteger(seconds) ? Duration.seconds(seconds) : undefined
  }
  // Only strings that look like dates: Date.parse accepts far too much ("1", "2026") on its own.
  if (!hasLetter.test(trimmed)) return undefined
  const at = Date.parse(trimmed)
  if (Number.isNaN(at) || at <= now) return undefined
  return Duration.millis(at - now)
}

/**
 * The wait of a response's headers: `retry-after-ms` when it is a valid number, else `Retry-After`.
 *
 * @internal
 */
export const fromHeaders = (
  retryAfterMs: string | undefined,
  retryAfter: string | undefined,
  now: number
): Duration.Duration | undefined => {
  if (retryAfterMs !== undefined) {
    const value = Number(retryAfterMs)
    if (retryAfterMs.trim().length > 0 && Number.isFinite(value) && value >= 0) return Duration.millis(value)
  }
  return parse(retryAfter, now)
}

/**
 * A wait written as whole seconds, as the wire wants it: rounded up, and never below one second
 * (a `Retry-After: 0` would invite an immediate retry storm).
 *
 * @internal
 */
export const toSeconds = (wait: Duration.DurationInput): number =>
  Math.max(1, Math.ceil(Duration.toMillis(Duration.decode(wait)) / 1000))

// The wire body has no room for a 503's or a proxy page's header wait, and the error classes'
// fields are the wire contract: the wait is kept beside the error, without keeping it alive.
// One registry per process even when two copies of this package are loaded.
const registry = globalValue("@errata/core/RetryAfter", () => new WeakMap<object, Duration.Duration>())

// `Effect.fail` inside a span hands on a proxy of the error: both share the original's entry.
const keyOf = (error: unknown): object | undefined => {
  const original = Cause.originalError(error)
  return typeof original === "object" && original !== null ? original : undefined
}

/** @internal */
export const record = (error: object, wait: Duration.Duration): void => {
  registry.set(error, wait)
}

/** @internal */
export const recorded = (error: unknown): Duration.Duration | undefined => {
  const key = keyOf(error)
  return key === undefined ? undefined : registry.get(key)
}
