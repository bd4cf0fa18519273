/**
 * Rate limiting with the API's tiers (SPEC.md §6) on `@effect/experimental`'s `RateLimiter`: a
 * token bucket per client whose capacity is the tier's burst and which refills at the tier's rate
 * per minute. Every response carries `X-RateLimit-Limit` (requests per minute),
 * `X-RateLimit-Remaining` (tokens left) and `X-RateLimit-Reset` (Unix seconds when the bucket is
 * full again); a request over the limit is answered with `RATE_LIMIT_EXCEEDED`, a `Retry-After`
 * header and `details.retryAfter`, in whole seconds and never 0.
 *
 * The buckets live in a `RateLimiter.RateLimiterStore` provided as a layer: `layerMemory` for one
 * instance (the default), `layerRedis` / `layerRedisConfig` for many instances sharing one Redis,
 * `layerStore(store)` for any other store. When the store fails or takes longer than
 * `storeTimeout`, `onStoreError` decides: serve uncounted (the default) or `SERVICE_UNAVAILABLE`.
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
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Runtime from "effect/Runtime"
import { createHash } from "node:crypto"
import * as RedisStore from "./internal/redis.js"
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
   * What to do when the store fails or does not answer within `storeTimeout` (Redis down):
   * `"allow"` (fail-open) serves the request without `X-RateLimit-*` headers, since nothing was
   * counted; `"reject"` (fail-closed) answers `SERVICE_UNAVAILABLE` (503). Either way a warning is
   * logged, once per `warnInterval`.
   *
   * @default "allow"
   */
  readonly onStoreError?: "allow" | "reject" | undefined
  /**
   * How long a request waits for the store; a store that takes longer counts as failed, and
   * `onStoreError` decides. Measured on Effect's `Clock`, as `Effect.timeout` is.
   *
   * @default "250 millis"
   */
  readonly storeTimeout?: Duration.DurationInput | undefined
  /**
   * At most one warning per interval while the store fails (each further failure is logged at
   * debug level, and the next warning says how many there were), on Effect's `Clock`.
   *
   * @default "60 seconds"
   */
  readonly warnInterval?: Duration.DurationInput | undefined
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

const DEFAULT_STORE_TIMEOUT = Duration.millis(250)
const DEFAULT_WARN_INTERVAL = Duration.seconds(60)

const bearer = /^Bearer\s+(\S+)\s*$/i

/**
 * The API key a request carries in `Authorization: Bearer <key>`, as `clientKey` reads it: for an
 * `identify` that looks up the key's tier.
 *
 * @example
 * import { HttpServerRequest } from "@effect/platform"
 * import { RateLimit } from "@errata/server"
 * const request = HttpServerRequest.fromWeb(new Request("http://localhost/", { headers: { authorization: "Bearer sk_live_1" } }))
 * RateLimit.apiKey(request) // "sk_live_1"
 *
 * @since 0.1.0
 * @category identify
 */
export const apiKey = (request: HttpServerRequest.HttpServerRequest): string | undefined =>
  bearer.exec(request.headers["authorization"] ?? "")?.[1]

/**
 * The default bucket key of a request: a SHA-256 digest of its bearer API key (stores never hold
 * the key itself), else its client address, else `"anonymous"`. Put
 * `HttpMiddleware.xForwardedHeaders` in front when the server sits behind a proxy.
 *
 * @since 0.1.0
 * @category identify
 */
export const clientKey = (request: HttpServerRequest.HttpServerRequest): string => {
  const key = apiKey(request)
  if (key !== undefined) return `key:${createHash("sha256").update(key).digest("base64url")}`
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

// Effect.timeout forks the call and a sleeping fiber and races them, whatever the call: on a
// server with the memory store that cost about 40% of the throughput (autocannon, 10
// connections, 24k against 39k requests in 8 s). Here the call starts at once on a
// fiber of its own (with the caller's services), and a store that answers synchronously, as the
// memory store does, is done before any timer is set. Otherwise the deadline is a sleep on the
// caller's Clock, so a TestClock moves it like any other.
const withDeadline = <A, E>(effect: Effect.Effect<A, E>, millis: number, onTimeout: () => E): Effect.Effect<A, E> =>
  Effect.flatMap(Effect.runtime<never>(), (runtime) => {
    const call = Runtime.runFork(runtime, effect)
    const done = call.unsafePoll()
    if (done !== null) return done
    return Effect.async<A, E>((resume) => {
      let settled = false
      const timer = Runtime.runFork(runtime, Effect.sleep(millis))
      timer.addObserver((exit) => {
        if (settled || Exit.isFailure(exit)) return
        settled = true
        call.unsafeInterruptAsFork(FiberId.none)
        resume(Effect.fail(onTimeout()))
      })
      call.addObserver((exit) => {
        if (settled) return
        settled = true
        timer.unsafeInterruptAsFork(FiberId.none)
        resume(exit)
      })
      return Effect.sync(() => {
        settled = true
        timer.unsafeInterruptAsFork(FiberId.none)
        call.unsafeInterruptAsFork(FiberId.none)
      })
    })
  })

/** When the last store-failure warning was logged, and how many failures were logged at debug since. */
interface Alarm {
  warnedAt: number
  suppressed: number
}

// A store that is down fails every request: one warning per interval says so without flooding the
// logs; the others are debug lines.
const reportStoreFailure = (
  alarm: Alarm,
  intervalMillis: number,
  policy: "allow" | "reject",
  error: RateLimiter.RateLimitStoreError
) =>
  Effect.clockWith((clock) => {
    const outcome = policy === "allow" ? "serving requests without a limit" : "answering SERVICE_UNAVAILABLE"
    const message = `errata: rate-limit store unavailable (${error.message}); ${outcome} (onStoreError: "${policy}")`
    const annotations = { "errata.rate_limit_store": "unavailable", "errata.on_store_error": policy }
    const now = clock.unsafeCurrentTimeMillis()
    if (now - alarm.warnedAt < intervalMillis) {
      alarm.suppressed++
      return Effect.annotateLogs(Effect.logDebug(message), annotations)
    }
    const suppressed = alarm.suppressed
    alarm.warnedAt = now
    alarm.suppressed = 0
    return Effect.annotateLogs(
      Effect.logWarning(suppressed > 0 ? `${message}; ${suppressed} more since the last warning` : message),
      { ...annotations, "errata.store_failures_suppressed": suppressed }
    )
  })

/** The middleware's options resolved once; the result runs one request through a limiter. */
const make = <E, R>(options: Options<E, R>) => {
  const tierMap: Readonly<Record<string, Tier>> = options.tiers ?? tiers
  const identify: (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<Client, E, R> = options.identify ??
    identifyByKey()
  const policy = options.onStoreError ?? "allow"
  const timeoutMillis = Duration.toMillis(options.storeTimeout ?? DEFAULT_STORE_TIMEOUT)
  const intervalMillis = Duration.toMillis(options.warnInterval ?? DEFAULT_WARN_INTERVAL)
  const alarm: Alarm = { warnedAt: Number.NEGATIVE_INFINITY, suppressed: 0 }
  const timedOut = () =>
    new RateLimiter.RateLimitStoreError({ message: `no answer within ${timeoutMillis} ms (storeTimeout)` })
  return <AE, AR>(limiter: RateLimiter.RateLimiter, app: HttpApp.Default<AE, AR>): HttpApp.Default<AE | E, AR | R> =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const client = yield* identify(request)
      const tier = typeof client.tier === "string" ? tierMap[client.tier] : client.tier
      if (tier === undefined) return yield* Effect.dieMessage(`Unknown rate-limit tier "${String(client.tier)}"`)
      const refillMillis = 60_000 / tier.perMinute
      const consumed = yield* Effect.either(withDeadline(
        limiter.consume({
          algorithm: "token-bucket",
          onExceeded: "fail",
          key: client.key,
          limit: tier.burst,
          // RateLimiter refills one token every window / limit: one every 60 s / perMinute.
          window: Duration.millis(refillMillis * tier.burst)
        }),
        timeoutMillis,
        timedOut
      ))
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
      yield* reportStoreFailure(alarm, intervalMillis, policy, error)
      if (policy === "reject") return yield* reject(new ApiError.ServiceUnavailable())
      return yield* app
    })
}

/**
 * The middleware, for `HttpRouter` apps. Put it inside `ServerErrors.middleware`, which answers
 * failures of `identify`; it needs a `RateLimiter` (`layerMemory`, `layerRedis` or `layerStore`)
 * when requests are served. Each call has its own once-per-interval store-failure warning.
 *
 * @since 0.1.0
 * @category middleware
 */
export const middleware = <E = never, R = never>(options: Options<E, R> = {}) => {
  const limit = make(options)
  return <AE, AR>(app: HttpApp.Default<AE, AR>): HttpApp.Default<AE | E, AR | R | RateLimiter.RateLimiter> =>
    Effect.flatMap(RateLimiter.RateLimiter, (limiter) => limit(limiter, app))
}

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
      const limit = make(options)
      return (app: HttpApp.Default): HttpApp.Default =>
        Effect.mapInputContext(
          limit(limiter, app),
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
 * A `RateLimiter` on the given store layer: any `RateLimiter.RateLimiterStore` (`layerRedis` is
 * this on errata's Redis store).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerStore = <E, R>(
  store: Layer.Layer<RateLimiter.RateLimiterStore, E, R>
): Layer.Layer<RateLimiter.RateLimiter, E, R> => RateLimiter.layer.pipe(Layer.provide(store))

/**
 * Where `layerRedis` finds Redis and how long it waits for it.
 *
 * @since 0.1.0
 * @category models
 */
export interface RedisOptions {
  /**
   * `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS. It is never logged;
   * pass it `Redacted` to keep it out of your own logs too.
   */
  readonly url: string | Redacted.Redacted<string>
  /**
   * Prepended to every bucket's key: instances that share a prefix share their limits.
   *
   * @default "errata:ratelimit:"
   */
  readonly prefix?: string | undefined
  /**
   * How long one connection attempt may take; at start the layer also waits this long for the
   * first connection, and then starts anyway (requests follow `onStoreError` until Redis answers).
   *
   * @default "1 second"
   */
  readonly connectTimeout?: Duration.DurationInput | undefined
  /**
   * How long the client keeps a command that has no reply before failing it, so a stalled Redis
   * cannot pile up commands. Keep it at least the middleware's `storeTimeout`.
   *
   * @default "1 second"
   */
  readonly commandTimeout?: Duration.DurationInput | undefined
}

const DEFAULT_REDIS_PREFIX = "errata:ratelimit:"

const isRedisUrl = (url: string): boolean => URL.canParse(url) && /^rediss?:$/.test(new URL(url).protocol)

/**
 * A `RateLimiter` whose buckets live in Redis, through `ioredis` (install it alongside): every
 * instance built with the same Redis and prefix counts against the same buckets, with the same
 * tiers and headers as `layerMemory`, which it replaces one for one. While Redis is unreachable
 * the store fails fast (no command waits for a reconnection) and reconnects at most a second
 * apart. An URL that is not `redis://` or `rediss://` is a defect.
 *
 * @example
 * import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
 * import { Layer } from "effect"
 * import { RateLimit, ServerErrors } from "@errata/server"
 *
 * const app = HttpRouter.empty.pipe(
 *   HttpRouter.get("/contacts", HttpServerResponse.text("[]")),
 *   RateLimit.middleware({ onStoreError: "reject", storeTimeout: "100 millis" }),
 *   ServerErrors.middleware
 * )
 * // Every instance: the same Redis and prefix, so one limit.
 * const served = HttpServer.serve(app).pipe(
 *   Layer.provide(RateLimit.layerRedis({ url: "redis://10.0.0.5:6379/0", prefix: "contacts-api:" }))
 * )
 *
 * @since 0.1.0
 * @category layers
 */
export const layerRedis = (options: RedisOptions): Layer.Layer<RateLimiter.RateLimiter> =>
  layerStore(Layer.scoped(
    RateLimiter.RateLimiterStore,
    Effect.suspend(() => {
      const url = Redacted.isRedacted(options.url) ? Redacted.value(options.url) : options.url
      if (!isRedisUrl(url)) return Effect.dieMessage("RateLimit.layerRedis: the URL must start with redis:// or rediss://")
      return RedisStore.make({
        url,
        prefix: options.prefix ?? DEFAULT_REDIS_PREFIX,
        connectTimeout: Duration.decode(options.connectTimeout ?? Duration.seconds(1)),
        commandTimeout: Duration.decode(options.commandTimeout ?? Duration.seconds(1))
      })
    })
  ))

/**
 * The `RedisOptions` `layerRedisConfig` reads by default: `ERRATA_REDIS_URL` (required, redacted,
 * `redis://` or `rediss://`) and `ERRATA_REDIS_PREFIX` (optional).
 *
 * @since 0.1.0
 * @category layers
 */
export const redisConfig: Config.Config<RedisOptions> = Config.all({
  url: Config.redacted("ERRATA_REDIS_URL").pipe(
    Config.validate({
      message: "ERRATA_REDIS_URL: expected a redis:// or rediss:// URL",
      validation: (url) => isRedisUrl(Redacted.value(url))
    })
  ),
  prefix: Config.string("ERRATA_REDIS_PREFIX").pipe(Config.withDefault(DEFAULT_REDIS_PREFIX))
})

/**
 * `layerRedis` configured through `Config`: by default `ERRATA_REDIS_URL` and
 * `ERRATA_REDIS_PREFIX` (`redisConfig`); pass your own config, or a record of configs, to read
 * other names.
 *
 * @example
 * import { Config } from "effect"
 * import { RateLimit } from "@errata/server"
 *
 * const fromEnv = RateLimit.layerRedisConfig()
 * const fromOtherNames = RateLimit.layerRedisConfig({ url: Config.redacted("REDIS_URL"), prefix: Config.succeed("api:") })
 *
 * @since 0.1.0
 * @category layers
 */
export const layerRedisConfig = (
  config: Config.Config.Wrap<RedisOptions> = redisConfig
): Layer.Layer<RateLimiter.RateLimiter, ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(Config.unwrap(config), layerRedis))
