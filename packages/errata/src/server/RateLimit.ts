/**
 * Rate limiting with the API's tiers (SPEC.md §6) on `effect/persistence`'s `RateLimiter`: a token
 * bucket per client whose capacity is the tier's burst and which refills at the tier's rate per
 * minute. Every response carries `X-RateLimit-Limit` (requests per minute),
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
 * import { Layer } from "effect"
 * import { HttpRouter, HttpServerResponse } from "effect/http"
 * import { RateLimit, ServerErrors } from "errata/server"
 *
 * const Routes = HttpRouter.add("GET", "/contacts", HttpServerResponse.text("[]"))
 * // ServerErrors built first, so it wraps the rate limiter and answers what `identify` fails with.
 * const Middlewares = RateLimit.layer().pipe(Layer.provideMerge(ServerErrors.layer()))
 * const App = HttpRouter.serve(Layer.mergeAll(Routes, Middlewares)).pipe(
 *   Layer.provide(RateLimit.layerMemory)
 * )
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpRouter from "effect/http/HttpRouter"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as Layer from "effect/Layer"
import * as RateLimiter from "effect/persistence/RateLimiter"
import type * as Types from "effect/Types"
import * as MemoryStore from "./internal/memoryStore.js"
import * as Internal from "./internal/rateLimit.js"

/**
 * A rate tier: the sustained rate and the bucket capacity.
 *
 * @example
 * import { RateLimit } from "errata/server"
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
 * import { RateLimit } from "errata/server"
 *
 * const limited = RateLimit.make({ tiers: { ...RateLimit.tiers, enterprise: { perMinute: 1000, burst: 1500 } } })
 *
 * @since 0.1.0
 * @category tiers
 */
export const tiers: {
  readonly free: Tier
  readonly starter: Tier
  readonly pro: Tier
} = Internal.tiers

/**
 * What `identify` returns: the tier, by name in the tier map or given directly, and the bucket
 * key.
 *
 * @example
 * import { Effect } from "effect"
 * import { RateLimit } from "errata/server"
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
 * import { RateLimit } from "errata/server"
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
  readonly warnInterval?: Duration.Input | undefined
}

/**
 * The API key a request carries in `Authorization: Bearer <key>`: for an `identify` that looks
 * up the key's tier.
 *
 * @example
 * import { HttpServerRequest } from "effect/http"
 * import { RateLimit } from "errata/server"
 *
 * const request = HttpServerRequest.fromWeb(new Request("http://localhost/", { headers: { authorization: "Bearer sk_live_1" } }))
 * RateLimit.apiKey(request) // "sk_live_1"
 *
 * @since 0.1.0
 * @category identify
 */
export const apiKey: (request: HttpServerRequest.HttpServerRequest) => string | undefined = Internal.apiKey

/**
 * The middleware with options, as a function of an HTTP effect; `middleware` is `make()`, and
 * `layer(options)` installs it in a router. Put it inside `ServerErrors`, which answers failures
 * of `identify`; it needs a `RateLimiter` (`layerMemory`, `RateLimitRedis.layer` or `layerStore`)
 * when requests are served. Each middleware has its own once-per-interval store-failure warning.
 *
 * @example
 * import { Effect } from "effect"
 * import { RateLimit } from "errata/server"
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
  return <AE, AR>(
    app: Effect.Effect<HttpServerResponse.HttpServerResponse, AE, AR>
  ): Effect.Effect<
    HttpServerResponse.HttpServerResponse,
    AE | E,
    AR | R | RateLimiter.RateLimiter | HttpServerRequest.HttpServerRequest
  > => Effect.flatMap(RateLimiter.RateLimiter, (limiter) => limit(limiter, app))
}

/**
 * The middleware with the defaults, as a function of an HTTP effect: every client on Free, keyed
 * by API key, else by address. Most apps install `layer()` instead.
 *
 * @example
 * import { Effect, Layer } from "effect"
 * import { HttpRouter, HttpServer, HttpServerResponse } from "effect/http"
 * import { RateLimit, ServerErrors } from "errata/server"
 *
 * const Routes = HttpRouter.add("GET", "/contacts", HttpServerResponse.text("[]"))
 * const Served = Layer.unwrap(
 *   Effect.map(HttpRouter.toHttpEffect(Routes), (app) => HttpServer.serve(ServerErrors.middleware(RateLimit.middleware(app))))
 * ).pipe(Layer.provide(RateLimit.layerMemory))
 *
 * @since 0.1.0
 * @category middleware
 */
export const middleware: <AE, AR>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, AE, AR>
) => Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  AE,
  AR | RateLimiter.RateLimiter | HttpServerRequest.HttpServerRequest
> = make()

/**
 * The middleware as a global `HttpRouter` middleware: every route of the router it is merged
 * into, `HttpApiBuilder.layer`'s and unknown routes included. The `RateLimiter` and the services
 * `identify` needs are taken when the layer is built; what `identify` fails with is left to
 * `ServerErrors.layer()`, which must wrap this one. Global middlewares wrap in the order they are
 * built, the first outermost, and `Layer.mergeAll` builds its layers concurrently, so build
 * `ServerErrors.layer()` first: `RateLimit.layer().pipe(Layer.provideMerge(ServerErrors.layer()))`.
 *
 * @example
 * import { Layer } from "effect"
 * import { HttpRouter, HttpServerResponse } from "effect/http"
 * import { RateLimit, ServerErrors } from "errata/server"
 *
 * const Routes = HttpRouter.add("GET", "/contacts", HttpServerResponse.text("[]"))
 * const Limited = RateLimit.layer({ tiers: { ...RateLimit.tiers, enterprise: { perMinute: 1000, burst: 1500 } } })
 * const App = HttpRouter.serve(Layer.mergeAll(Routes, Limited.pipe(Layer.provideMerge(ServerErrors.layer())))).pipe(
 *   Layer.provide(RateLimit.layerMemory)
 * )
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <E = never, R = never>(
  options: Options<E, R> = {}
): Layer.Layer<
  never,
  never,
  HttpRouter.HttpRouter | RateLimiter.RateLimiter | R | HttpRouter.Request.From<"GlobalError", E>
> => {
  return HttpRouter.middleware(
    Effect.map(Effect.context<RateLimiter.RateLimiter | R>(), (context: Context.Context<RateLimiter.RateLimiter | R>) => {
      const limiter = Context.get(context, RateLimiter.RateLimiter)
      const identify = options.identify
      // Only `identify` needs the services taken at build time: the request's own stay as they are.
      const limit = Internal.limiter<E, never>({
        ...options,
        identify: identify === undefined ? undefined : (request) => Internal.withContext(identify(request), context)
      })
      return (
        effect: Effect.Effect<HttpServerResponse.HttpServerResponse, Types.unhandled>
      ): Effect.Effect<HttpServerResponse.HttpServerResponse, Types.unhandled | E, HttpServerRequest.HttpServerRequest> =>
        limit(limiter, effect)
    }),
    { global: true }
  )
}

/**
 * A `RateLimiter` with buckets in memory: right for one server instance. It answers at once, so
 * it has no timeout. It holds at most 100,000 buckets (about 20 MB): a bucket that has refilled
 * is dropped, and beyond the cap the least recently used one is. It keeps the adaptive state of
 * `HttpClient.withRateLimiter` too, under the same cap.
 *
 * @example
 * import { Layer } from "effect"
 * import { HttpRouter, HttpServerResponse } from "effect/http"
 * import { RateLimit, ServerErrors } from "errata/server"
 *
 * const Routes = HttpRouter.add("GET", "/", HttpServerResponse.text("ok"))
 * const App = HttpRouter.serve(Layer.mergeAll(Routes, RateLimit.layer().pipe(Layer.provideMerge(ServerErrors.layer())))).pipe(
 *   Layer.provide(RateLimit.layerMemory)
 * )
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<RateLimiter.RateLimiter> = Internal.layerOn(
  MemoryStore.layer(MemoryStore.DEFAULT_MAX_BUCKETS)
)

/**
 * A `RateLimiter` on any `RateLimiter.RateLimiterStore` layer (a Redis Cluster, a database),
 * every call of the store bounded by `timeout` on Effect's `Clock`: a store that takes longer has
 * failed, and `onStoreError` answers the request. Keep the keys a store of your own sends out of
 * the process as digests, as `RateLimitRedis` does: the default key is the API key.
 *
 * @example
 * import { RateLimiter } from "effect/persistence"
 * import { RateLimit } from "errata/server"
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
    readonly timeout?: Duration.Input | undefined
  } = {}
): Layer.Layer<RateLimiter.RateLimiter, E, R> => Internal.layerWithTimeout(store, options.timeout ?? "250 millis")
