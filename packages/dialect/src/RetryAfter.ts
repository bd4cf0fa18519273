/**
 * Reading the wait a server asks for: a `Retry-After` header, which HTTP allows as delta-seconds
 * (`120`) or as an HTTP-date (`Wed, 21 Oct 2026 07:28:00 GMT`), and the non-standard
 * `retry-after-ms` some APIs add; and writing one back as the wire wants it. Waits are plain
 * milliseconds and the clock is passed in, so every edition reads the header the same way and
 * tests need no fake timers.
 *
 * @since 0.1.0
 */

const deltaSeconds = /^\d+$/
const hasLetter = /[A-Z]/i

/**
 * The wait a `Retry-After` value asks for, in milliseconds, measured from `now` (epoch
 * milliseconds) for a date. `undefined` when the value is missing, unparsable, or a date that has
 * already passed: then the computed backoff applies (SPEC.md §7).
 *
 * @example
 * import { RetryAfter } from "@errata/dialect"
 * RetryAfter.parse("120", Date.now()) // 120000
 * RetryAfter.parse("Wed, 21 Oct 2026 07:28:00 GMT", Date.parse("Wed, 21 Oct 2026 07:27:00 GMT")) // 60000
 * RetryAfter.parse("soon", Date.now()) // undefined
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (value: string | null | undefined, now: number): number | undefined => {
  if (value === undefined || value === null) return undefined
  const trimmed = value.trim()
  if (trimmed.length === 0) return undefined
  if (deltaSeconds.test(trimmed)) {
    const seconds = Number(trimmed)
    return Number.isSafeInteger(seconds) ? seconds * 1000 : undefined
  }
  // Only strings that look like dates: Date.parse accepts far too much ("1", "2026") on its own.
  if (!hasLetter.test(trimmed)) return undefined
  const at = Date.parse(trimmed)
  return Number.isNaN(at) || at <= now ? undefined : at - now
}

/**
 * The wait a response's headers ask for, in milliseconds: `retry-after-ms` when it is a valid
 * number (it is the more precise of the two), else `Retry-After`.
 *
 * @example
 * import { RetryAfter } from "@errata/dialect"
 * RetryAfter.fromHeaders("1500", "2", Date.now()) // 1500
 * RetryAfter.fromHeaders(undefined, "2", Date.now()) // 2000
 *
 * @since 0.1.0
 * @category parsing
 */
export const fromHeaders = (
  retryAfterMs: string | undefined,
  retryAfter: string | undefined,
  now: number
): number | undefined => {
  if (retryAfterMs !== undefined) {
    const value = Number(retryAfterMs)
    if (retryAfterMs.trim().length > 0 && Number.isFinite(value) && value >= 0) return value
  }
  return parse(retryAfter, now)
}

/**
 * A wait in milliseconds written as whole seconds, as `Retry-After` and `details.retryAfter` carry
 * it: rounded up, so a client never comes back early, and never below one second, as a
 * `Retry-After: 0` would invite an immediate retry storm.
 *
 * @example
 * import { RetryAfter } from "@errata/dialect"
 * RetryAfter.toSeconds(2200) // 3
 * RetryAfter.toSeconds(0) // 1
 *
 * @since 0.1.0
 * @category formatting
 */
export const toSeconds = (millis: number): number => Math.max(1, Math.ceil(millis / 1000))
