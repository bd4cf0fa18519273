/**
 * The facts of the API's error dialect that do not depend on Effect, written once for every
 * edition of errata: the catalog, the wire format, the `Retry-After` reader, the backoff
 * arithmetic, the retry budget, the request-ID rules and the Redis rate-limit scripts. No
 * dependency at all; waits are milliseconds and clocks are passed in.
 *
 * @example
 * import { Backoff, Catalog, RetryAfter } from "@errata/dialect"
 *
 * const entry = Catalog.byCode("SERVICE_UNAVAILABLE")
 * const wait = entry?.transient
 *   ? Backoff.decide(Backoff.defaults, 1, 0, Math.random(), RetryAfter.parse("5", Date.now()))
 *   : undefined
 * // 5000: the server's Retry-After wins over the computed backoff
 *
 * @since 0.1.0
 */

/**
 * The single table of codes, tags, statuses, categories and default messages.
 *
 * @example
 * import { Catalog } from "@errata/dialect"
 * Catalog.entries.RATE_LIMIT_EXCEEDED.transient // true
 *
 * @since 0.1.0
 */
export * as Catalog from "./Catalog.js"

/**
 * The wire format read and written: any error response to a plain description of its error, and
 * an error's fields to the status, headers and body a server sends.
 *
 * @example
 * import { WireFormat } from "@errata/dialect"
 * WireFormat.read({ status: 404, body: '{"error":{"code":"NOT_FOUND","message":"gone"}}' })._tag // "NotFound"
 *
 * @since 0.1.0
 */
export * as WireFormat from "./WireFormat.js"

/**
 * `Retry-After` and `retry-after-ms` read as milliseconds, and waits written as whole seconds.
 *
 * @example
 * import { RetryAfter } from "@errata/dialect"
 * RetryAfter.parse("120", Date.now()) // 120000
 *
 * @since 0.1.0
 */
export * as RetryAfter from "./RetryAfter.js"

/**
 * The wait before each retry: exponential, capped, jittered, and a `Retry-After` winning.
 *
 * @example
 * import { Backoff } from "@errata/dialect"
 * Backoff.backoff(Backoff.defaults, 1, 0.5) // 1000
 *
 * @since 0.1.0
 */
export * as Backoff from "./Backoff.js"

/**
 * The retry budget: a token bucket that holds retries to a share of the successful traffic.
 *
 * @example
 * import { RetryBudget } from "@errata/dialect"
 * RetryBudget.make().available(Date.now()) // 100
 *
 * @since 0.1.0
 */
export * as RetryBudget from "./RetryBudget.js"

/**
 * The request-ID header, which IDs are echoed, fresh IDs, and their log and span names.
 *
 * @example
 * import { RequestId } from "@errata/dialect"
 * RequestId.isSafe("req_42") // true
 *
 * @since 0.1.0
 */
export * as RequestId from "./RequestId.js"

/**
 * The rate limiter's Redis scripts, their arguments and keys.
 *
 * @example
 * import { RateLimitScript } from "@errata/dialect"
 * RateLimitScript.tokenBucketArguments({ tokens: 1, refillMillis: 400, limit: 150, allowOverflow: false })
 *
 * @since 0.1.0
 */
export * as RateLimitScript from "./RateLimitScript.js"

/**
 * The rate-limiting rules without Effect: the tiers, the header names, and which bucket a request
 * is counted in.
 *
 * @since 0.1.0
 */
export * as RateLimitKeys from "./RateLimitKeys.js"

/**
 * What the rate limiter answers, from numbers: the `X-RateLimit-*` values of a counted and of a
 * refused request, the wait a refusal is told, and a tier's refill interval and window.
 *
 * @example
 * import { RateLimitHeaders, RateLimitKeys } from "@errata/dialect"
 * RateLimitHeaders.refused(RateLimitKeys.tiers.free, 6_000, Date.now())["x-ratelimit-remaining"] // "0"
 *
 * @since 0.1.0
 */
export * as RateLimitHeaders from "./RateLimitHeaders.js"

/**
 * The once-per-interval warning that the rate-limit store is down, as log lines to write.
 *
 * @example
 * import { RateLimitAlarm } from "@errata/dialect"
 * RateLimitAlarm.make(60_000, "allow").report(Date.now(), "Redis reconnecting").level // "warning"
 *
 * @since 0.1.0
 */
export * as RateLimitAlarm from "./RateLimitAlarm.js"

/**
 * The bounded in-memory table of token buckets and fixed windows behind the memory rate-limit
 * store: the platform's arithmetic, one cap, least recently used entries evicted.
 *
 * @example
 * import { TokenBuckets } from "@errata/dialect"
 * TokenBuckets.make(1_000).tokenBucket({ key: "key:sk_1", tokens: 1, limit: 15, refillMillis: 6_000, allowOverflow: false }, Date.now())
 * // [14, 0]
 *
 * @since 0.1.0
 */
export * as TokenBuckets from "./TokenBuckets.js"

/**
 * The OpenAPI document rewritten to say what errata's server answers: every code, its details
 * schema and the response headers.
 *
 * @since 0.1.0
 */
export * as OpenApiErrors from "./OpenApiErrors.js"

/**
 * Content codings without Effect: the codings a header names, whether a body still is in its
 * coding, and a streaming decoder for gzip, deflate and br.
 *
 * @since 0.1.0
 */
export * as ContentCoding from "./ContentCoding.js"

/**
 * How errata's servers read request bodies, without Effect: the limits, the checks (announced,
 * JSON, nested too deep), strict UTF-8, the bytes gathered chunk by chunk, and the wording of each
 * refusal. (`@errata/dialect/NodeRefusals`, what Node's parser refuses answered in the dialect, is
 * Node only and so not here: import it by its subpath.)
 *
 * @example
 * import { RequestBody } from "@errata/dialect"
 * RequestBody.fields({ _tag: "TooDeep", limit: 64 }).message // "Request body is nested too deeply (limit 64 levels)"
 *
 * @since 0.1.0
 */
export * as RequestBody from "./RequestBody.js"
