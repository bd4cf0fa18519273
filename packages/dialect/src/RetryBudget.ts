/**
 * A retry budget: one token bucket shared by every request of a client, so that retries stay a
 * bounded share of the traffic however many requests fail at once. Each successful answer deposits
 * `share` of a retry, each retry withdraws one, and a reserve of `minRetriesPerSecond` lets a client
 * with little traffic still retry. Deposits and withdrawals count for `window` and then lapse, so
 * an hour of healthy traffic cannot fund an hour of retries in an outage.
 *
 * The semantics are Finagle's `RetryBudget` (a `ttl` window, `minRetriesPerSec`,
 * `percentCanRetry`; defaults 10 s, 10, 0.2) with one change: Finagle deposits on every request,
 * errata on every success. With Finagle's rule a full outage still funds retries worth `share` of
 * the traffic on top of the reserve (1.2x plus the minimum rate); with a deposit per success an
 * outage funds nothing, so the load stays at the offered requests plus the minimum rate, and the
 * 20% share applies to the traffic the server is actually answering. gRPC's retry throttling
 * (`maxTokens`, `tokenRatio` 0.1 per success) makes the same choice.
 *
 * Time is passed in as epoch milliseconds, so each edition reads its own clock (a test clock
 * included) and the accounting is the same everywhere.
 *
 * @since 0.1.0
 */
import { Bucket } from "./internal/bucket.js"

/**
 * The budget's three numbers. Every field is optional; the defaults are Finagle's.
 *
 * @example
 * import type { RetryBudget } from "@errata/dialect"
 * const frugal: RetryBudget.Options = { share: 0.1, minRetriesPerSecond: 1, windowMillis: 5_000 }
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The retries each successful answer earns, as a fraction of a retry: `0.2` lets retries add at
   * most 20% to the traffic the server answers (on top of the reserve). `0` leaves the reserve
   * only. Finagle: `percentCanRetry` 0.2; gRPC: `tokenRatio` 0.1.
   * @default 0.2
   */
  readonly share?: number | undefined
  /**
   * Retries per second allowed whatever the traffic, averaged over the window: the reserve, so a
   * client that makes few requests can still retry them. Finagle: `minRetriesPerSec` 10.
   * @default 10
   */
  readonly minRetriesPerSecond?: number | undefined
  /**
   * How long a deposit or a withdrawal counts, in milliseconds; the reserve is
   * `minRetriesPerSecond` times this. Finagle: `ttl` 10 s. At least 1 ms.
   * @default 10000
   */
  readonly windowMillis?: number | undefined
}

/**
 * The options with every default filled in.
 *
 * @example
 * import { RetryBudget } from "@errata/dialect"
 * const numbers: RetryBudget.Resolved = RetryBudget.resolve({ share: 0.1 })
 *
 * @since 0.1.0
 * @category models
 */
export interface Resolved {
  readonly share: number
  readonly minRetriesPerSecond: number
  readonly windowMillis: number
}

/**
 * The defaults of `Options`: 20% of the successes, 10 retries per second, a 10 s window.
 *
 * @example
 * import { RetryBudget } from "@errata/dialect"
 * RetryBudget.defaults.share // 0.2
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaults: Resolved = { share: 0.2, minRetriesPerSecond: 10, windowMillis: 10_000 }

const nonNegative = (value: number | undefined, fallback: number): number =>
  value === undefined || Number.isNaN(value) ? fallback : Math.max(0, value)

/**
 * Fills in the defaults; negative numbers count as zero, and the window is at least 1 ms.
 *
 * @example
 * import { RetryBudget } from "@errata/dialect"
 * RetryBudget.resolve({ share: -1, windowMillis: 0 }) // { share: 0, minRetriesPerSecond: 10, windowMillis: 1 }
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolve = (options: Options = {}): Resolved => ({
  share: nonNegative(options.share, defaults.share),
  minRetriesPerSecond: nonNegative(options.minRetriesPerSecond, defaults.minRetriesPerSecond),
  windowMillis: options.windowMillis === undefined ? defaults.windowMillis : Math.max(1, options.windowMillis)
})

/**
 * A retry budget: a mutable bucket, read and written with the current time in epoch
 * milliseconds. Not a value to compare or copy: share the one instance.
 *
 * @example
 * import { RetryBudget } from "@errata/dialect"
 * const budget: RetryBudget.RetryBudget = RetryBudget.make()
 * if (budget.tryWithdraw(Date.now())) {
 *   // retry
 * }
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryBudget {
  /** The numbers it was made with. */
  readonly options: Resolved
  /** Credits one successful answer with `share` of a retry. */
  deposit(now: number): void
  /** Takes one retry from the budget when it holds one, and says whether it did. */
  tryWithdraw(now: number): boolean
  /** How many whole retries the budget would grant right now. */
  available(now: number): number
}

/**
 * A new, full budget: the reserve (`minRetriesPerSecond` x `window`) is available at once, and
 * nothing has been deposited yet.
 *
 * @example
 * import { RetryBudget } from "@errata/dialect"
 * const budget = RetryBudget.make({ minRetriesPerSecond: 1, windowMillis: 10_000 })
 * budget.available(0) // 10
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options?: Options): RetryBudget => new Bucket(resolve(options))
