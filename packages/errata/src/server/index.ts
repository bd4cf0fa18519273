/**
 * The server side of errata for Effect 4: every failure of an HTTP app answered in the wire format,
 * an `X-Request-ID` on every response, and request decoding for hand-written routes. The Node
 * server that answers the requests Node's parser refuses in the dialect is the subpath
 * `errata/server/NodeServer`, so that this index imports on any runtime.
 *
 * @example
 * import { Layer } from "effect"
 * import { HttpRouter, HttpServerResponse } from "effect/http"
 * import { ServerErrors } from "errata/server"
 *
 * const App = HttpRouter.serve(Layer.mergeAll(HttpRouter.add("GET", "/health", HttpServerResponse.text("ok")), ServerErrors.layer()))
 *
 * @since 0.1.0
 */

/**
 * The middleware that writes every failure in the wire format and gives every response an
 * `X-Request-ID`, and `respond` for hand-written handlers.
 *
 * @example
 * import { ApiError } from "errata"
 * import { ServerErrors } from "errata/server"
 * ServerErrors.respond(new ApiError.NotFound()).status // 404
 *
 * @since 0.1.0
 */
export * as ServerErrors from "./ServerErrors.js"

/**
 * Decoding the body, query and path of hand-written routes into catalog errors.
 *
 * @example
 * import { Schema } from "effect"
 * import { Input } from "errata/server"
 * const search = Input.query(Schema.Struct({ q: Schema.String }))
 *
 * @since 0.1.0
 */
export * as Input from "./Input.js"

/**
 * Rate limiting with the API's tiers: `X-RateLimit-*` on every response, `RATE_LIMIT_EXCEEDED`
 * with `Retry-After` over the limit, made-up keys counted by address.
 *
 * @example
 * import { RateLimit } from "errata/server"
 * const limited = RateLimit.layer({ tiers: RateLimit.tiers })
 *
 * @since 0.1.0
 */
export * as RateLimit from "./RateLimit.js"

/**
 * The rate limiter's buckets in Redis (`ioredis`, loaded only when the layer is built), on the
 * same keys and script as the Effect 3 edition's store.
 *
 * @example
 * import { RateLimitRedis } from "errata/server"
 * const limiter = RateLimitRedis.layer({ url: "redis://127.0.0.1:6379" })
 *
 * @since 0.1.0
 */
export * as RateLimitRedis from "./RateLimitRedis.js"
