/**
 * Reading a `Retry-After` header, which HTTP allows as delta-seconds (`120`) or as an HTTP-date
 * (`Wed, 21 Oct 2026 07:28:00 GMT`). One small module so client and codec agree on it.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"

const deltaSeconds = /^\d+$/

/**
 * The wait a `Retry-After` value asks for, measured from `now` (epoch milliseconds) for dates.
 * `undefined` when the value is missing, unparsable, or a date that has already passed.
 *
 * @example
 * import { RetryAfter } from "@errata/core"
 * RetryAfter.parse("7", Date.now()) // Duration.seconds(7)
 * RetryAfter.parse("soon", Date.now()) // undefined
 *
 * @since 0.1.0
 * @category parsing
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
  if (!/[A-Za-z]/.test(trimmed)) return undefined
  const at = Date.parse(trimmed)
  if (Number.isNaN(at) || at <= now) return undefined
  return Duration.millis(at - now)
}

/**
 * A wait written as whole seconds, as the wire wants it: rounded up, and never below one second
 * (a `Retry-After: 0` would invite an immediate retry storm).
 *
 * @example
 * import { Duration } from "effect"
 * import { RetryAfter } from "@errata/core"
 * RetryAfter.toSeconds(Duration.millis(1500)) // 2
 *
 * @since 0.1.0
 * @category formatting
 */
export const toSeconds = (wait: Duration.DurationInput): number =>
  Math.max(1, Math.ceil(Duration.toMillis(Duration.decode(wait)) / 1000))
