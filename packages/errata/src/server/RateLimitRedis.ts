/**
 * A `RateLimiter` whose buckets live in Redis, through `ioredis` (install it alongside): every
 * instance built with the same Redis and prefix counts against the same buckets, with the same
 * tiers and headers as `RateLimit.layerMemory`, which it replaces one for one. Bucket keys are
 * sent as SHA-256 digests, so Redis never holds an API key. The keys and the token-bucket script
 * are `@errata/dialect`'s, the ones the Effect 3 edition's `RateLimitRedis` uses: instances of
 * both editions on one Redis and one prefix share their limits.
 *
 * While Redis is unreachable the store fails at once (no command waits for a reconnection) and
 * reconnects at most a second apart; a Redis that does not answer within `timeout` has failed
 * too. The middleware's `onStoreError` answers those requests.
 *
 * @example
 * import { Layer } from "effect"
 * import { HttpRouter, HttpServerResponse } from "effect/http"
 * import { RateLimit, RateLimitRedis, ServerErrors } from "errata/server"
 *
 * const Routes = HttpRouter.add("GET", "/contacts", HttpServerResponse.text("[]"))
 * // Every instance: the same Redis and prefix, so one limit.
 * const App = HttpRouter.serve(
 *   Layer.mergeAll(Routes, ServerErrors.layer(), RateLimit.layer({ onStoreError: "reject" }))
 * ).pipe(Layer.provide(RateLimitRedis.layer({ url: "redis://10.0.0.5:6379/0", prefix: "contacts-api:" })))
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as RateLimiter from "effect/persistence/RateLimiter"
import * as Redacted from "effect/Redacted"
import * as RateLimitEngine from "./internal/rateLimit.js"
import * as RedisStore from "./internal/redis.js"

/**
 * Where `layer` finds Redis and how long it waits for it.
 *
 * @example
 * import { Redacted } from "effect"
 * import { RateLimitRedis } from "errata/server"
 *
 * const options: RateLimitRedis.Options = { url: Redacted.make("rediss://:secret@cache:6380/0"), timeout: "100 millis" }
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
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
   * How long a request waits for Redis, on Effect's `Clock`; a Redis that takes longer (stalled,
   * partitioned) has failed, and the middleware's `onStoreError` answers the request. The client
   * drops a command that never gets a reply after four times this, at least two seconds.
   *
   * @default "250 millis"
   */
  readonly timeout?: Duration.Input | undefined
  /**
   * How long one connection attempt may take; at start the layer also waits this long for the
   * first connection, and then starts anyway (requests follow `onStoreError` until Redis answers).
   *
   * @default "1 second"
   */
  readonly connectTimeout?: Duration.Input | undefined
}

const DEFAULT_PREFIX = "errata:ratelimit:"
const DEFAULT_TIMEOUT = Duration.millis(250)

const isRedisUrl = (url: string): boolean => URL.canParse(url) && /^rediss?:$/.test(new URL(url).protocol)

/**
 * A `RateLimiter` on Redis. An URL that is not `redis://` or `rediss://` is a defect.
 *
 * @example
 * import { RateLimitRedis } from "errata/server"
 *
 * const limiter = RateLimitRedis.layer({ url: "redis://127.0.0.1:6379", prefix: "contacts-api:" })
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<RateLimiter.RateLimiter> => {
  const timeout = Duration.fromInputUnsafe(options.timeout ?? DEFAULT_TIMEOUT)
  const store = Layer.effect(
    RateLimiter.RateLimiterStore,
    Effect.suspend(() => {
      const url = Redacted.isRedacted(options.url) ? Redacted.value(options.url) : options.url
      if (!isRedisUrl(url)) {
        return Effect.die(new Error("RateLimitRedis.layer: the URL must start with redis:// or rediss://"))
      }
      return Effect.map(
        RedisStore.make({
          url,
          prefix: options.prefix ?? DEFAULT_PREFIX,
          connectTimeout: Duration.fromInputUnsafe(options.connectTimeout ?? Duration.seconds(1)),
          commandTimeout: Duration.max(Duration.times(timeout, 4), Duration.seconds(2))
        }),
        RateLimiter.RateLimiterStore.of
      )
    })
  )
  return RateLimitEngine.layerWithTimeout(store, timeout)
}

const urlError = new Config.ConfigError(
  new ConfigProvider.SourceError({ message: "ERRATA_REDIS_URL: expected a redis:// or rediss:// URL" })
)

const defaultConfig: Config.Config<Options> = Config.all({
  url: Config.Redacted("ERRATA_REDIS_URL").pipe(
    Config.mapEffect((url) => (isRedisUrl(Redacted.value(url)) ? Effect.succeed(url) : Effect.fail(urlError)))
  ),
  prefix: Config.String("ERRATA_REDIS_PREFIX").pipe(Config.withDefault(DEFAULT_PREFIX))
})

/**
 * `layer` configured through `Config`: by default `ERRATA_REDIS_URL` (required, read redacted,
 * `redis://` or `rediss://`) and `ERRATA_REDIS_PREFIX` (optional); pass a record of configs to
 * read other names.
 *
 * @example
 * import { Config } from "effect"
 * import { RateLimitRedis } from "errata/server"
 *
 * const fromEnv = RateLimitRedis.layerConfig()
 * const fromOtherNames = RateLimitRedis.layerConfig({ url: Config.Redacted("REDIS_URL"), prefix: Config.succeed("api:") })
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Wrap<Options> = defaultConfig
): Layer.Layer<RateLimiter.RateLimiter, Config.ConfigError> =>
  Layer.unwrap(Effect.map(Config.unwrap(config), layer))
