/**
 * @since 0.1.0
 */

/**
 * The middleware that writes every failure in the wire format and gives every response an
 * `X-Request-ID`, and `respond` for hand-written handlers.
 *
 * @since 0.1.0
 */
export * as ServerErrors from "./ServerErrors.js"

/**
 * Decoding the body, query and path of hand-written routes into catalog errors.
 *
 * @since 0.1.0
 */
export * as Input from "./Input.js"

/**
 * Token-bucket rate limiting on `@effect/experimental`'s `RateLimiter`, with the API's tiers.
 *
 * @since 0.1.0
 */
export * as RateLimit from "./RateLimit.js"

/**
 * The rate limiter's buckets in Redis, shared by every instance that uses the same Redis and
 * prefix.
 *
 * @since 0.1.0
 */
export * as RateLimitRedis from "./RateLimitRedis.js"
