/**
 * The rate-limit engine behind `RateLimit`: a request's bucket key, one request run through a
 * `RateLimiter`, the once-per-interval store-failure warning, and the deadline a store that
 * leaves the process is given.
 *
 * @internal
 */
import * as RateLimiter from "@effect/experimental/RateLimiter"
import * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { ApiError } from "@errata/core"
import * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Identity, Options, Tier } from "../RateLimit.js"
import * as ServerErrors from "../ServerErrors.js"
import * as RequestId from "./requestId.js"

/** The tiers of SPEC.md §6. */
export const tiers = {
  free: { perMinute: 10, burst: 15 },
  starter: { perMinute: 30, burst: 45 },
  pro: { perMinute: 100, burst: 150 }
} as const satisfies Readonly<Record<string, Tier>>

const LIMIT = "x-ratelimit-limit"
const REMAINING = "x-ratelimit-remaining"
const RESET = "x-ratelimit-reset"

const DEFAULT_WARN_INTERVAL = Duration.seconds(60)

const bearer = /^Bearer\s+(\S+)\s*$/i

/** The API key of `Authorization: Bearer <key>`. */
export const apiKey = (request: HttpServerRequest.HttpServerRequest): string | undefined =>
  bearer.exec(request.headers["authorization"] ?? "")?.[1]

/**
 * The default bucket key: the bearer API key, else the client address, else `"anonymous"`. The
 * memory store keeps it in the process that holds the keys anyway; the Redis store sends only a
 * digest of it.
 */
export const clientKey = (request: HttpServerRequest.HttpServerRequest): string => {
  const key = apiKey(request)
  if (key !== undefined) return `key:${key}`
  return request.remoteAddress._tag === "Some" ? `ip:${request.remoteAddress.value}` : "anonymous"
}

const free: Identity = { tier: "free" }
const identifyFree = (): Effect.Effect<Identity> => Effect.succeed(free)

const resetAt = (now: number, afterMillis: number): string => String(Math.ceil((now + afterMillis) / 1000))

const withRateHeaders = (values: Readonly<Record<string, string>>) =>
  HttpApp.appendPreResponseHandler((_request, response) => Effect.succeed(HttpServerResponse.setHeaders(response, values)))

// Answered here rather than failed: the 429 is complete whatever order the middlewares run in.
const reject = (error: ApiError.ApiError) =>
  RequestId.withRequestId(RequestId.generate, (id) =>
    Effect.succeed(HttpServerResponse.setHeader(ServerErrors.respond(error), RequestId.HEADER, id)))

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

/** The options resolved once; the result runs one request through a limiter. */
export const limiter = <E, R>(options: Options<E, R>) => {
  const tierMap: Readonly<Record<string, Tier>> = options.tiers ?? tiers
  const identify = options.identify ?? identifyFree
  const policy = options.onStoreError ?? "allow"
  const intervalMillis = Duration.toMillis(options.warnInterval ?? DEFAULT_WARN_INTERVAL)
  const alarm: Alarm = { warnedAt: Number.NEGATIVE_INFINITY, suppressed: 0 }
  return <AE, AR>(rateLimiter: RateLimiter.RateLimiter, app: HttpApp.Default<AE, AR>): HttpApp.Default<AE | E, AR | R> =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const identity = yield* identify(request)
      const tier = typeof identity.tier === "string" ? tierMap[identity.tier] : identity.tier
      if (tier === undefined) return yield* Effect.dieMessage(`Unknown rate-limit tier "${String(identity.tier)}"`)
      const refillMillis = 60_000 / tier.perMinute
      const consumed = yield* Effect.either(rateLimiter.consume({
        algorithm: "token-bucket",
        onExceeded: "fail",
        key: identity.key ?? clientKey(request),
        limit: tier.burst,
        // RateLimiter refills one token every window / limit: one every 60 s / perMinute.
        window: Duration.millis(refillMillis * tier.burst)
      }))
      const now = yield* Clock.currentTimeMillis
      const limitHeader = String(tier.perMinute)
      if (consumed._tag === "Right") {
        const { remaining, resetAfter } = consumed.right
        yield* withRateHeaders({
          [LIMIT]: limitHeader,
          [REMAINING]: String(remaining),
          [RESET]: resetAt(now, Duration.toMillis(resetAfter))
        })
        return yield* app
      }
      const error = consumed.left
      if (error.reason === "Exceeded") {
        const waitMillis = Duration.toMillis(error.retryAfter)
        yield* withRateHeaders({
          [LIMIT]: limitHeader,
          [REMAINING]: "0",
          [RESET]: resetAt(now, waitMillis + refillMillis * (tier.burst - 1))
        })
        // Wire.encode rounds the wait up to whole seconds, at least 1.
        return yield* reject(new ApiError.RateLimitExceeded({ details: { retryAfter: waitMillis / 1000 } }))
      }
      yield* reportStoreFailure(alarm, intervalMillis, policy, error)
      if (policy === "reject") return yield* reject(new ApiError.ServiceUnavailable())
      return yield* app
    })
}

type Store = Context.Tag.Service<typeof RateLimiter.RateLimiterStore>

/**
 * The store with a deadline on every call, on Effect's `Clock` (so a `TestClock` moves it): a
 * call that takes longer fails with `RateLimitStoreError`, and the middleware's `onStoreError`
 * answers the request. An infinite timeout leaves the store as it is.
 *
 * The platform runs each request uninterruptibly, and `Effect.timeout` waits for the call it gave
 * up on to be interrupted: the call is made interruptible, or a stalled store would hold the
 * request until the call ended of itself.
 */
export const withTimeout = (store: Store, timeout: Duration.DurationInput): Store => {
  const duration = Duration.decode(timeout)
  if (!Duration.isFinite(duration)) return store
  const onTimeout = () =>
    new RateLimiter.RateLimitStoreError({ message: `no answer within ${Duration.toMillis(duration)} ms (timeout)` })
  return {
    tokenBucket: (call) => Effect.timeoutFail(Effect.interruptible(store.tokenBucket(call)), { duration, onTimeout }),
    fixedWindow: (call) => Effect.timeoutFail(Effect.interruptible(store.fixedWindow(call)), { duration, onTimeout })
  }
}

/** A `RateLimiter` on a store layer, every call of the store bounded by `timeout`. */
export const layerWithTimeout = <E, R>(
  store: Layer.Layer<RateLimiter.RateLimiterStore, E, R>,
  timeout: Duration.DurationInput
): Layer.Layer<RateLimiter.RateLimiter, E, R> =>
  RateLimiter.layer.pipe(
    Layer.provide(Layer.effect(
      RateLimiter.RateLimiterStore,
      Effect.map(RateLimiter.RateLimiterStore, (inner) => withTimeout(inner, timeout))
    )),
    Layer.provide(store)
  )
