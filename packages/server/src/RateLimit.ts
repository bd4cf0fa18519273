/**
 * Rate limiting with the API's tiers (SPEC.md §6) on `@effect/experimental`'s `RateLimiter`: a
 * token bucket per client whose capacity is the tier's burst and which refills at the tier's rate
 * per minute. Every response carries `X-RateLimit-Limit` (requests per minute),
 * `X-RateLimit-Remaining` (tokens left) and `X-RateLimit-Reset` (Unix seconds when the bucket is
 * full again); a request over the limit is answered with `RATE_LIMIT_EXCEEDED`, a `Retry-After`
 * header and `details.retryAfter`, in whole seconds and never 0.
 *
 * A request answered 401 (an unknown, invalid or missing key: `identify` failed with
 * `ApiError.Unauthorized`, or the app answered it) is counted in its address's `unauthenticated`
 * bucket instead of its own, so that made-up keys share one bucket and guessing is answered 429
 * once it is used up; a valid key from the same address keeps its own bucket.
 *
 * The buckets live in a `RateLimiter` provided as a layer: `layerMemory` for one instance (at most
 * 100,000 buckets), `RateLimitRedis.layer` for many instances sharing one Redis,
 * `layerStore(store)` for any other store. When the store fails, `onStoreError` decides: serve
 * uncounted (the default) or `SERVICE_UNAVAILABLE`.
 *
 * @example
 * import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
 * import { Layer } from "effect"
 * import { RateLimit, ServerErrors } from "@errata/server"
 *
 * const app = HttpRouter.empty.pipe(
 *   HttpRouter.get("/contacts", HttpServerResponse.text("[]")),
 *   RateLimit.middleware,
 *   ServerErrors.middleware
 * )
 * const served = HttpServer.serve(app).pipe(Layer.provide(RateLimit.layerMemory))
 *
 * @since 0.1.0
 */
import * as RateLimiter from "@effect/experimental/RateLimiter"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import type * as HttpApp from "@effect/platform/HttpApp"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as MemoryStore from "./internal/memoryStore.js"
import * as Internal from "./internal/rateLimit.js"

/**
 * A rate tier: the sustained rate and the bucket capacity.
 *
 * @example
 * import { RateLimit } from "@errata/server"
 *
 * const enterprise: RateLimit.Tier = { perMinute: 1000, burst: 1500 }
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
 * The tiers of SPEC.md §6: Free, Starter and Pro. Enterprise is custom: add it to the map you
 * pass as `tiers`, or return a `Tier` from `identify`.
 *
 * @example
 * import { RateLimit } from "@errata/server"
 *
 * const limited = RateLimit.make({ tiers: { ...RateLimit.tiers, enterprise: { perMinute: 1000, burst: 1500 } } })
 *
 * @since 0.1.0
 * @category tiers
 */
export const tiers = Internal.tiers

/**
 * What `identify` returns: the tier, by name in the tier map or given directly, and the bucket
 * key.
 *
 * @example
 * import { Effect } from "effect"
 * import { RateLimit } from "@errata/server"
 *
 * const everyoneOnStarter = () => Effect.succeed<RateLimit.Identity>({ tier: "starter" })
 *
 * @since 0.1.0
 * @category models
 */
export interface Identity {
  /**
   * The bucket: requests with the same key share one.
   *
   * @default the bearer API key, else the client address (an IPv6 address by its /64; put
   * `HttpMiddleware.xForwardedHeaders` in front behind a proxy), else `"anonymous"`
   */
  readonly key?: string | undefined
  readonly tier: string | Tier
}

/**
 * Options of `make` and `layer`.
 *
 * @example
 * import { RateLimit } from "@errata/server"
 *
 * const options: RateLimit.Options = {
 *   onStoreError: "reject",
 *   warnInterval: "5 minutes",
 *   unauthenticated: { perMinute: 5, burst: 10 }
 * }
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
   * Maps a request to its tier and bucket; may fail (an unknown API key, say) with an error the
   * `ServerErrors` middleware answers.
   *
   * @default every client on Free, keyed by API key, else by client address
   */
  readonly identify?: ((request: HttpServerRequest.HttpServerRequest) => Effect.Effect<Identity, E, R>) | undefined
  /**
   * The tier of requests answered 401 (`identify` failed with `ApiError.Unauthorized`, or the app
   * answered `UNAUTHORIZED`): they are counted together per client address (an IPv6 address by its
   * /64), whatever key they carried, and the key's own bucket gets its token back. Once the
   * address has used it up, such requests are answered `RATE_LIMIT_EXCEEDED`.
   *
   * @default RateLimit.tiers.free (10 a minute, bursts of 15)
   */
  readonly unauthenticated?: Tier | undefined
  /**
   * What to do when the store fails (Redis down, or no answer within the store's `timeout`):
   * `"allow"` (fail-open) serves the request without `X-RateLimit-*` headers, since nothing was
   * counted; `"reject"` (fail-closed) answers `SERVICE_UNAVAILABLE` (503). Either way a warning is
   * logged, once per `warnInterval`.
   *
   * @default "allow"
   */
  readonly onStoreError?: "allow" | "reject" | undefined
  /**
   * At most one warning per interval while the store fails (each further failure is logged at
   * debug level, and the next warning says how many there were), on Effect's `Clock`.
   *
   * @default "60 seconds"
   */
  readonly warnInterval?: Duration.DurationInput | undefined
}

/**
 * The API key a request carries in `Authorization: Bearer <key>`: for an `identify` that looks
 * up the key's tier.
 *
 * @example
 * import { HttpServerRequest } from "@effect/platform"
 * import { RateLimit } from "@errata/server"
 *
 * const request = HttpServerRequest.fromWeb(new Request("http://localhost/", { headers: { authorization: "Bearer sk_live_1" } }))
 * RateLimit.apiKey(request) // "sk_live_1"
 *
 * @since 0.1.0
 * @category identify
 */
export const apiKey: (request: HttpServerRequest.HttpServerRequest) => string | undefined = Internal.apiKey

/**
 * The middleware with options, for `HttpRouter` apps; `middleware` is `make()`. Put it inside
 * `ServerErrors.middleware`, which answers failures of `identify`; it needs a `RateLimiter`
 * (`layerMemory`, `RateLimitRedis.layer` or `layerStore`) when requests are served. Each
 * middleware has its own once-per-interval store-failure warning.
 *
 * @example
 * import { Effect } from "effect"
 * import { RateLimit } from "@errata/server"
 *
 * const tierOf = (key: string | undefined) => Effect.succeed(key?.startsWith("sk_live_") ? "pro" : "free")
 * const limited = RateLimit.make({
 *   identify: (request) => Effect.map(tierOf(RateLimit.apiKey(request)), (tier) => ({ tier }))
 * })
 *
 * @since 0.1.0
 * @category middleware
 */
export const make = <E = never, R = never>(options: Options<E, R> = {}) => {
  const limit = Internal.limiter(options)
  return <AE, AR>(app: HttpApp.Default<AE, AR>): HttpApp.Default<AE | E, AR | R | RateLimiter.RateLimiter> =>
    Effect.flatMap(RateLimiter.RateLimiter, (limiter) => limit(limiter, app))
}

/**
 * The middleware with the defaults: every client on Free, keyed by API key, else by address.
 *
 * @example
 * import { HttpRouter, HttpServerResponse } from "@effect/platform"
 * import { RateLimit, ServerErrors } from "@errata/server"
 *
 * const app = HttpRouter.empty.pipe(
 *   HttpRouter.get("/contacts", HttpServerResponse.text("[]")),
 *   RateLimit.middleware,
 *   ServerErrors.middleware
 * )
 *
 * @since 0.1.0
 * @category middleware
 */
export const middleware: <AE, AR>(app: HttpApp.Default<AE, AR>) => HttpApp.Default<AE, AR | RateLimiter.RateLimiter> =
  make()

/**
 * The middleware as an `HttpApi`-level layer (`HttpApiBuilder.middleware`):
 * `HttpApiBuilder.serve()` applies it to every endpoint, unknown routes included. The
 * `RateLimiter` and the services `identify` needs are taken when the layer is built.
 *
 * @example
 * import { Layer } from "effect"
 * import { RateLimit } from "@errata/server"
 *
 * const RateLimited = RateLimit.layer({ tiers: { ...RateLimit.tiers, enterprise: { perMinute: 1000, burst: 1500 } } }).pipe(
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
      const limit = Internal.limiter(options)
      return (app: HttpApp.Default): HttpApp.Default =>
        Effect.mapInputContext(
          limit(limiter, app),
          (input: Context.Context<HttpServerRequest.HttpServerRequest>) => Context.merge(context, input)
        )
    })
  )

/**
 * A `RateLimiter` with buckets in memory: right for one server instance. It answers at once, so
 * it has no timeout. It holds at most 100,000 buckets (about 20 MB): a bucket that has refilled
 * is dropped, and beyond the cap the least recently used one is.
 *
 * @example
 * import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
 * import { Layer } from "effect"
 * import { RateLimit } from "@errata/server"
 *
 * const app = HttpRouter.empty.pipe(HttpRouter.get("/", HttpServerResponse.text("ok")), RateLimit.middleware)
 * const served = HttpServer.serve(app).pipe(Layer.provide(RateLimit.layerMemory))
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<RateLimiter.RateLimiter> = RateLimiter.layer.pipe(
  Layer.provide(MemoryStore.layer(MemoryStore.DEFAULT_MAX_BUCKETS))
)

/**
 * A `RateLimiter` on any `RateLimiter.RateLimiterStore` layer (a Redis Cluster, a database),
 * every call of the store bounded by `timeout` on Effect's `Clock`: a store that takes longer has
 * failed, and `onStoreError` answers the request. Keep the keys a store of your own sends out of
 * the process as digests, as `RateLimitRedis` does: the default key is the API key.
 *
 * @example
 * import * as RateLimiter from "@effect/experimental/RateLimiter"
 * import { RateLimit } from "@errata/server"
 *
 * const limiter = RateLimit.layerStore(RateLimiter.layerStoreMemory, { timeout: "100 millis" })
 *
 * @since 0.1.0
 * @category layers
 */
export const layerStore = <E, R>(
  store: Layer.Layer<RateLimiter.RateLimiterStore, E, R>,
  options: {
    /**
     * How long a request waits for the store; `Duration.infinity` for no bound.
     *
     * @default "250 millis"
     */
    readonly timeout?: Duration.DurationInput | undefined
  } = {}
): Layer.Layer<RateLimiter.RateLimiter, E, R> => Internal.layerWithTimeout(store, options.timeout ?? "250 millis")
