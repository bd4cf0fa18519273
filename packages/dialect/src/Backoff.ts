/**
 * The arithmetic of SPEC.md §5: how long to wait before a retry. Exponential from a base, capped,
 * jittered with a random number the caller draws, and replaced by the server's `Retry-After` when
 * it named one. Numbers only (milliseconds, counts), so each edition runs it in its own scheduler
 * and a test can check any wait without a clock.
 *
 * @since 0.1.0
 */

/**
 * The policy's numbers, in milliseconds. Every field is optional; `resolve` fills in `defaults`.
 *
 * @example
 * import type { Backoff } from "@errata/dialect"
 * const patient: Backoff.Options = { times: 8, maxDelayMillis: 120_000, upToMillis: 600_000 }
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The most retries after the first attempt; `0` turns retrying off.
   * @default 5
   */
  readonly times?: number | undefined
  /**
   * The wait before the first retry; each later wait is `factor` times the one before.
   * @default 1000
   */
  readonly baseMillis?: number | undefined
  /**
   * How much each computed wait grows over the previous one.
   * @default 2
   */
  readonly factor?: number | undefined
  /**
   * The longest computed wait, after jitter.
   * @default 60000
   */
  readonly maxDelayMillis?: number | undefined
  /**
   * The spread of a computed wait as a fraction of it: `0.2` draws each wait uniformly from
   * ±20% of its nominal value, so many clients do not retry in lockstep. A `Retry-After` is never
   * jittered.
   * @default 0.2
   */
  readonly jitter?: number | undefined
  /**
   * How long retrying may go on, counted from the first failure: a retry whose wait would end
   * after it is not made.
   * @default undefined (no limit but `times`)
   */
  readonly upToMillis?: number | undefined
  /**
   * The longest wait a `Retry-After` may impose; a longer one is cut to this.
   * @default 60000
   */
  readonly maxRetryAfterMillis?: number | undefined
}

/**
 * The options with every default filled in and every number in range.
 *
 * @example
 * import { Backoff } from "@errata/dialect"
 * const policy: Backoff.Resolved = Backoff.resolve({ times: 3 })
 *
 * @since 0.1.0
 * @category models
 */
export interface Resolved {
  readonly times: number
  readonly baseMillis: number
  readonly factor: number
  readonly maxDelayMillis: number
  readonly jitter: number
  readonly upToMillis: number | undefined
  readonly maxRetryAfterMillis: number
}

/**
 * The API's own guidance (SPEC.md §5): 5 retries, 1 s doubling to 60 s, ±20% jitter so clients do
 * not retry in lockstep, a `Retry-After` obeyed up to 60 s.
 *
 * @example
 * import { Backoff } from "@errata/dialect"
 * Backoff.defaults.baseMillis // 1000
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaults: Resolved = {
  times: 5,
  baseMillis: 1_000,
  factor: 2,
  maxDelayMillis: 60_000,
  jitter: 0.2,
  upToMillis: undefined,
  maxRetryAfterMillis: 60_000
}

/**
 * Fills in the defaults, and keeps nonsense (negative counts, a shrinking factor, jitter above
 * 100%) from turning into a retry storm.
 *
 * @example
 * import { Backoff } from "@errata/dialect"
 * Backoff.resolve({ times: -1, jitter: 5 }) // times 0, jitter 1
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolve = (options: Options = {}): Resolved => ({
  times: Math.max(0, Math.floor(options.times ?? defaults.times)),
  baseMillis: Math.max(0, options.baseMillis ?? defaults.baseMillis),
  factor: Math.max(1, options.factor ?? defaults.factor),
  maxDelayMillis: Math.max(0, options.maxDelayMillis ?? defaults.maxDelayMillis),
  jitter: Math.min(Math.max(options.jitter ?? defaults.jitter, 0), 1),
  upToMillis: options.upToMillis === undefined ? undefined : Math.max(0, options.upToMillis),
  maxRetryAfterMillis: Math.max(0, options.maxRetryAfterMillis ?? defaults.maxRetryAfterMillis)
})

/**
 * The computed wait before retry number `retry` (1 for the first), without any `Retry-After`:
 * `base * factor^(retry - 1)`, spread by the jitter (`random` in [0, 1)), at most `maxDelay`. In
 * whole milliseconds.
 *
 * @example
 * import { Backoff } from "@errata/dialect"
 * Backoff.backoff(Backoff.defaults, 3, 0.5) // 4000: no spread at the middle of the range
 *
 * @since 0.1.0
 * @category delays
 */
export const backoff = (options: Resolved, retry: number, random: number): number => {
  const nominal = Math.min(options.baseMillis * Math.pow(options.factor, Math.max(0, retry - 1)), options.maxDelayMillis)
  const spread = 1 + options.jitter * (2 * random - 1)
  return Math.round(Math.min(nominal * spread, options.maxDelayMillis))
}

/**
 * The decision before retry number `retry`: its wait in whole milliseconds, or `undefined` when
 * `times` is used up or the wait would end past `upTo` (`elapsedMillis` is the time since the
 * first failure). A `Retry-After` (`retryAfterMillis`) is the server's word and wins over the
 * computed wait, cut to `maxRetryAfter`. Whether the failure is worth a retry at all is the
 * edition's to say, as it knows the error types.
 *
 * @example
 * import { Backoff } from "@errata/dialect"
 * const policy = Backoff.resolve({ times: 2 })
 * Backoff.decide(policy, 1, 0, 0.5, undefined) // 1000
 * Backoff.decide(policy, 1, 0, 0.5, 7_000) // 7000: Retry-After wins
 * Backoff.decide(policy, 3, 0, 0.5, undefined) // undefined: out of retries
 *
 * @since 0.1.0
 * @category delays
 */
export const decide = (
  options: Resolved,
  retry: number,
  elapsedMillis: number,
  random: number,
  retryAfterMillis: number | undefined
): number | undefined => {
  if (retry > options.times) return undefined
  const wait = retryAfterMillis === undefined
    ? backoff(options, retry, random)
    : Math.ceil(Math.min(retryAfterMillis, options.maxRetryAfterMillis))
  return options.upToMillis !== undefined && elapsedMillis + wait > options.upToMillis ? undefined : wait
}
