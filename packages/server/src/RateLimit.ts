/**
 * Rate limiting with the API's tiers (SPEC.md §6) on `@effect/experimental`'s `RateLimiter`: a
 * token bucket per client whose capacity is the tier's burst and which refills at the tier's rate
 * per minute. Every response carries `X-RateLimit-Limit` (requests per minute),
 * `X-RateLimit-Remaining` (tokens left) and `X-RateLimit-Reset` (Unix seconds when the bucket is
 * full again); a request over the limit is answered with `RATE_LIMIT_EXCEEDED`, a `Retry-After`
 * header and `details.retryAfter`, in whole seconds and never 0.
 *
 * The buckets live in a `RateLimiter.RateLimiterStore` provided as a layer: `layerMemory` for one
 * instance (the default), `layerStore(store)` for any other store, such as the Redis store of
 * `@effect/experimental` for many instances.
 *
 * @example
 * import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
 * import { Layer } from "effect"
 * import { RateLimit, ServerErrors } from "@errata/server"
 *
 * const app = HttpRouter.empty.pipe(
 *   HttpRouter.get("/contacts", HttpServerResponse.text("[]")),
 *   RateLimit.middleware({ tiers: { ...RateLimit.tiers, enterprise: { perMinute: 1000, burst: 1500 } } }),
 *   ServerErrors.middleware
 * )
 * const served = HttpServer.serve(app).pipe(Layer.provide(RateLimit.layerMemory))
 *
 * @since 0.1.0
 */
import * as RateLimiter from "@effect/experimental/RateLimiter"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { ApiError, RetryAfter } from "@errata/core"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { createHash } from "node:crypto"
import * as RequestId from "./internal/requestId.js"
import * as ServerErrors from "./ServerErrors.js"

/**
 * A rate tier: the sustained rate and the bucket capacity.
 *
 * @since 0.1.0
 * @category models
 */
export interface Tier {
  /** Requests per minute the bucket refills at; `X-RateLimit-Limit`. */
  readonly perMinute: number
  /** The bucket's capacity: how many requests may come at once after a quiet period. */
  readonly burst: number
}

/**
 * The tiers of SPEC.md §6. Enterprise is custom: add it to the map you pass as `tiers`, or return
 * a `Tier` from `identify`.
 *
 * @since 0.1.0
 * @category tiers
 */
export const tiers = {
  free: { perMinute: 10, burst: 15 },
  starter: { perMinute: 30, burst: 45 },
  pro: { perMinute: 100, burst: 150 }
} as const satisfies Readonly<Record<string, Tier>>

/**
 * Who is asking: the bucket key and the tier, by name in the tier map or given directly.
 *
 * @since 0.1.0
 * @category models
 */
export interface Client {
  readonly key: string
  readonly tier: string | Tier
}

/**
 * Options of `middleware`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<E = never, R = never> {
  /**
   * The tiers `identify` may name.
   *
   * @default RateLimit.tiers
   */
  readonly tiers?: Readonly<Record<string, Tier>> | undefined
  /**
   * Maps a request to its bucket and tier; may fail (an unknown API key, say) with an error the
   * `ServerErrors` middleware answers.
   *
   * @default RateLimit.identifyByKey("free"): keyed by API key, else by client address, all on Free
   */
  readonly identify?: ((request: HttpServerRequest.HttpServerRequest) => Effect.Effect<Client, E, R>) | undefined
  /**
   * What to do when the store fails (Redis down): `"allow"` lets the request through without
   * rate-limit headers and logs a warning; `"reject"` answers `SERVICE_UNAVAILABLE`.
   *
   * @default "allow"
   */
  readonly onStoreError?: "allow" | "reject" | undefined
}

/**
 * The names of the rate-limit headers, lower-cased.
 *
 * @since 0.1.0
 * @category constants
 */
export const headers = {
  limit: "x-ratelimit-limit",
  remaining: "x-ratelimit-remaining",
  reset: "x-ratelimit-reset"
} as const

const bearer = /^Bearer\s+(\S+)\s*$/i

/**
 * The default bucket key of a request: a SHA-256 digest of its bearer API key (stores never hold
 * the key itself), else its client address, else `"anonymous"`. Put
 * `HttpMiddleware.xForwardedHeaders` in front when the server sits behind a proxy.
 *
 * @since 0.1.0
 * @category identify
 */
export const clientKey = (request: HttpServerRequest.HttpServerRequest): string => {
  const apiKey = bearer.exec(request.headers["authorization"] ?? "")?.[1]
  if (apiKey !== undefined) return `key:${createHash("sha256").update(apiKey).digest("base64url")}`
  return request.remoteAddress._tag === "Some" ? `ip:${request.remoteAddress.value}` : "anonymous"
}

/**
 * Identifies every client by `clientKey` and puts it on one tier.
 *
 * @example
 * import { RateLimit } from "@errata/server"
 * const options = { identify: RateLimit.identifyByKey("starter") }
 *
 * @since 0.1.0
 * @category identify
 */
export const identifyByKey = (tier: string | Tier = "free") => (request: HttpServerRequest.HttpServerRequest): Effect.Effect<Client> =>
  Effect.succeed({ key: clientKey(request), tier })

const resetAt = (now: number, afterMillis: number): string => String(Math.ceil((now + afterMillis) / 1000))

const withRateHeaders = (values: Readonly<Record<string, string>>) =>
  HttpApp.appendPreResponseHandler((_request, response) => Effect.succeed(HttpServerResponse.setHeaders(response, values)))

// Answered here rather than failed: the 429 is complete whatever order the middlewares run in.
const reject = (error: ApiError.ApiError) =>
  RequestId.withRequestId(RequestId.generate, (id) =>
    Effect.succeed(HttpServerResponse.setHeader(ServerErrors.respond(error), RequestId.HEADER, id)))

const limit = <E, R, AE, AR>(
  options: Options<E, R>,
  limiter: RateLimiter.RateLimiter,
  app: HttpApp.Default<AE, AR>
): HttpApp.Default<AE | E, AR | R> => {
  const tierMap: Readonly<Record<string, Tier>> = options.tiers ?? tiers
  const identify: (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<Client, E, R> = options.identify ??
    identifyByKey()
  return Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const client = yield* identify(request)
    const tier = typeof client.tier === "string" ? tierMap[client.tier] : client.tier
    if (tier === undefined) return yield* Effect.dieMessage(`Unknown rate-limit tier "${String(client.tier)}"`)
    const refillMillis = 60_000 / tier.perMinute
    const consumed = yield* Effect.either(limiter.consume({
      algorithm: "token-bucket",
      onExceeded: "fail",
      key: client.key,
      limit: tier.burst,
      // RateLimiter refills one token every window / limit: one every 60 s / perMinute.
      window: Duration.millis(refillMillis * tier.burst)
    }))
    const now = yield* Clock.currentTimeMillis
    const limitHeader = String(tier.perMinute)
    if (consumed._tag === "Right") {
      const { remaining, resetAfter } = consumed.right
      yield* withRateHeaders({
        [headers.limit]: limitHeader,
        [headers.remaining]: String(remaining),
        [headers.reset]: resetAt(now, Duration.toMillis(resetAfter))
      })
      return yield* app
    }
    const error = consumed.left
    if (error.reason === "Exceeded") {
      const waitMillis = Duration.toMillis(error.retryAfter)
      yield* withRateHeaders({
        [headers.limit]: limitHeader,
        [headers.remaining]: "0",
        [headers.reset]: resetAt(now, waitMillis + refillMillis * (tier.burst - 1))
      })
      return yield* reject(new ApiError.RateLimitExceeded({ details: { retryAfter: RetryAfter.toSeconds(waitMillis) } }))
    }
    yield* Effect.logWarning("Rate-limit store failed", error)
    if ((options.onStoreError ?? "allow") === "reject") return yield* reject(new ApiError.ServiceUnavailable())
    return yield* app
  })
}

/**
 * The middleware, for `HttpRouter` apps. Put it inside `ServerErrors.middleware`, which answers
 * failures of `identify`; it needs a `RateLimiter` (`layerMemory` or `layerStore`) when requests
 * are served.
 *
 * @since 0.1.0
 * @category middleware
 */
export const middleware = <E = never, R = never>(options: Options<E, R> = {}) =>
<AE, AR>(app: HttpApp.Default<AE, AR>): HttpApp.Default<AE | E, AR | R | RateLimiter.RateLimiter> =>
  Effect.flatMap(RateLimiter.RateLimiter, (limiter) => limit(options, limiter, app))

/**
 * The middleware as an `HttpApi`-level layer: `HttpApiBuilder.serve()` applies it to every
 * endpoint, unknown routes included. The `RateLimiter` and the services `identify` needs are taken
 * when the layer is built.
 *
 * @example
 * import { HttpApiBuilder } from "@effect/platform"
 * import { Layer } from "effect"
 * import { RateLimit } from "@errata/server"
 *
 * const RateLimited = RateLimit.layer({ identify: RateLimit.identifyByKey("starter") }).pipe(
 *   Layer.provide(RateLimit.layerMemory)
 * )
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <R = never>(options: Options<never, R> = {}): Layer.Layer<never, never, RateLimiter.RateLimiter | R> =>
  HttpApiBuilder.middleware(
    Effect.map(Effect.context<RateLimiter.RateLimiter | R>(), (context) => {
      const limiter = Context.get(context, RateLimiter.RateLimiter)
      return (app: HttpApp.Default): HttpApp.Default =>
        Effect.mapInputContext(
          limit(options, limiter, app),
          (input: Context.Context<HttpServerRequest.HttpServerRequest>) => Context.merge(context, input)
        )
    })
  )

/**
 * A `RateLimiter` with buckets in memory: right for one server instance.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<RateLimiter.RateLimiter> = RateLimiter.layer.pipe(
  Layer.provide(RateLimiter.layerStoreMemory)
)

/**
 * A `RateLimiter` on the given store layer, e.g. `@effect/experimental`'s Redis store.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerStore = <E, R>(
  store: Layer.Layer<RateLimiter.RateLimiterStore, E, R>
): Layer.Layer<RateLimiter.RateLimiter, E, R> => RateLimiter.layer.pipe(Layer.provide(store))
