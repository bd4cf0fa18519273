/**
 * The warning that the rate-limit store is down, once per interval: a store that is down fails
 * every request, and one warning per interval says so without flooding the logs; the failures in
 * between are debug lines, counted in the next warning. The time is passed in, so each edition
 * reads its own clock and logs the report with its own logger.
 *
 * @since 0.1.0
 */

/**
 * What the middleware does while the store is down: serve requests without a limit, or answer
 * `SERVICE_UNAVAILABLE`.
 *
 * @example
 * import type { RateLimitAlarm } from "@errata/dialect"
 * const policy: RateLimitAlarm.Policy = "allow"
 *
 * @since 0.1.0
 * @category models
 */
export type Policy = "allow" | "reject"

/**
 * One store failure as a log line: its level, its message and its annotations.
 *
 * @example
 * import type { RateLimitAlarm } from "@errata/dialect"
 * const quiet = (report: RateLimitAlarm.Report) => report.level === "debug"
 *
 * @since 0.1.0
 * @category models
 */
export interface Report {
  readonly level: "warning" | "debug"
  readonly message: string
  readonly annotations: Readonly<Record<string, string | number>>
}

/**
 * An alarm: mutable, it remembers when it last warned and how many failures it reported at debug
 * since. Share the one instance of a middleware.
 *
 * @example
 * import { RateLimitAlarm } from "@errata/dialect"
 * const alarm: RateLimitAlarm.Alarm = RateLimitAlarm.make(60_000, "allow")
 *
 * @since 0.1.0
 * @category models
 */
export interface Alarm {
  /** The log line of one store failure at `now`, the failure's own message in it. */
  readonly report: (now: number, failure: string) => Report
}

/**
 * A new alarm, which warns on the first failure and then at most once per `intervalMillis`.
 *
 * @example
 * import { RateLimitAlarm } from "@errata/dialect"
 * const alarm = RateLimitAlarm.make(60_000, "reject")
 * alarm.report(0, "Redis reconnecting").level // "warning"
 * alarm.report(1_000, "Redis reconnecting").level // "debug"
 * alarm.report(60_000, "Redis reconnecting").message
 * // "errata: rate-limit store unavailable (Redis reconnecting); answering SERVICE_UNAVAILABLE (onStoreError: \"reject\"); 1 more since the last warning"
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (intervalMillis: number, policy: Policy): Alarm => {
  let warnedAt = Number.NEGATIVE_INFINITY
  let suppressed = 0
  const outcome = policy === "allow" ? "serving requests without a limit" : "answering SERVICE_UNAVAILABLE"
  return {
    report: (now, failure) => {
      const message = `errata: rate-limit store unavailable (${failure}); ${outcome} (onStoreError: "${policy}")`
      const annotations = { "errata.rate_limit_store": "unavailable", "errata.on_store_error": policy }
      if (now - warnedAt < intervalMillis) {
        suppressed++
        return { level: "debug", message, annotations }
      }
      const since = suppressed
      warnedAt = now
      suppressed = 0
      return {
        level: "warning",
        message: since > 0 ? `${message}; ${since} more since the last warning` : message,
        annotations: { ...annotations, "errata.store_failures_suppressed": since }
      }
    }
  }
}
