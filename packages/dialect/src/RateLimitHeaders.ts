/**
 * What the rate limiter answers, from numbers (SPEC.md §6): the `X-RateLimit-*` values of a
 * request that was counted and of one that was refused, the wait a refused request is told, and a
 * tier's bucket as a token bucket (one token every `60 s / perMinute`, `burst` of them). Both
 * editions' middlewares write the same headers from the same numbers; the clock and the store's
 * answer are passed in.
 *
 * @since 0.1.0
 */
import { headers, type Tier } from "./RateLimitKeys.js"

/**
 * The three headers' values, by their lower-cased names (`RateLimitKeys.headers`), in the order
 * they are written: limit, remaining, reset.
 *
 * @example
 * import type { RateLimitHeaders } from "@errata/dialect"
 * const values: RateLimitHeaders.Values = { "x-ratelimit-limit": "100", "x-ratelimit-remaining": "99", "x-ratelimit-reset": "1792567680" }
 *
 * @since 0.1.0
 * @category models
 */
export type Values = Readonly<Record<string, string>>

/**
 * The interval in which a tier's bucket gains one token: 60 s divided by its rate per minute.
 *
 * @example
 * import { RateLimitHeaders, RateLimitKeys } from "@errata/dialect"
 * RateLimitHeaders.refillMillis(RateLimitKeys.tiers.pro) // 600
 *
 * @since 0.1.0
 * @category buckets
 */
export const refillMillis = (tier: Tier): number => 60_000 / tier.perMinute

/**
 * The window a rate limiter that refills one token every `window / limit` is given for a tier:
 * one refill interval per token of its burst.
 *
 * @example
 * import { RateLimitHeaders, RateLimitKeys } from "@errata/dialect"
 * RateLimitHeaders.windowMillis(RateLimitKeys.tiers.pro) // 90000: 150 tokens, one every 600 ms
 *
 * @since 0.1.0
 * @category buckets
 */
export const windowMillis = (tier: Tier): number => refillMillis(tier) * tier.burst

/**
 * `X-RateLimit-Reset`: the epoch second, rounded up, at which `afterMillis` from `now` has passed.
 *
 * @example
 * import { RateLimitHeaders } from "@errata/dialect"
 * RateLimitHeaders.resetAt(1_000, 1_500) // "3"
 *
 * @since 0.1.0
 * @category headers
 */
export const resetAt = (now: number, afterMillis: number): string => String(Math.ceil((now + afterMillis) / 1000))

/**
 * The headers of a counted request: the tier's rate per minute, the tokens left, and when the
 * bucket is full again (`resetAfterMillis` from `now`, as the rate limiter computed it).
 *
 * @example
 * import { RateLimitHeaders, RateLimitKeys } from "@errata/dialect"
 * RateLimitHeaders.counted(RateLimitKeys.tiers.pro, 149, 600, 0)
 * // { "x-ratelimit-limit": "100", "x-ratelimit-remaining": "149", "x-ratelimit-reset": "1" }
 *
 * @since 0.1.0
 * @category headers
 */
export const counted = (tier: Tier, remaining: number, resetAfterMillis: number, now: number): Values => ({
  [headers.limit]: String(tier.perMinute),
  [headers.remaining]: String(remaining),
  [headers.reset]: resetAt(now, resetAfterMillis)
})

/**
 * The headers of a refused request, whose next token is `waitMillis` from `now`: none remaining,
 * and the bucket full again once that token and `burst - 1` more have come.
 *
 * @example
 * import { RateLimitHeaders, RateLimitKeys } from "@errata/dialect"
 * RateLimitHeaders.refused(RateLimitKeys.tiers.free, 6_000, 0)
 * // { "x-ratelimit-limit": "10", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "90" }
 *
 * @since 0.1.0
 * @category headers
 */
export const refused = (tier: Tier, waitMillis: number, now: number): Values => ({
  [headers.limit]: String(tier.perMinute),
  [headers.remaining]: "0",
  [headers.reset]: resetAt(now, waitMillis + refillMillis(tier) * (tier.burst - 1))
})

/**
 * The `details.retryAfter` of a refusal, in seconds as the wire format has it (its `Retry-After`
 * header is this rounded up, at least 1).
 *
 * @example
 * import { RateLimitHeaders } from "@errata/dialect"
 * RateLimitHeaders.retryAfter(6_000) // 6
 *
 * @since 0.1.0
 * @category headers
 */
export const retryAfter = (waitMillis: number): number => waitMillis / 1000

/**
 * The wait of a bucket looked at (a call taking no token) and found empty: the time until it is
 * full again, as the look's answer says, less the tokens after the first; never negative. A store
 * that answers the time since the last refill gives less than one refill interval here.
 *
 * @example
 * import { RateLimitHeaders, RateLimitKeys } from "@errata/dialect"
 * RateLimitHeaders.emptyWait(RateLimitKeys.tiers.free, 90_000) // 6000: one refill interval
 * RateLimitHeaders.emptyWait(RateLimitKeys.tiers.free, 85_000) // 1000
 *
 * @since 0.1.0
 * @category buckets
 */
export const emptyWait = (tier: Tier, resetAfterMillis: number): number =>
  Math.max(0, resetAfterMillis - refillMillis(tier) * (tier.burst - 1))
