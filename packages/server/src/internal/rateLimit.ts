/**
 * The rate-limit engine behind `RateLimit`: a request's bucket key, one request run through a
 * `RateLimiter` (and, when it is answered 401, through its address's unauthenticated bucket), the
 * once-per-interval store-failure warning, and the deadline a store that leaves the process is
 * given.
 *
 * @internal
 */
import * as RateLimiter from "@effect/experimental/RateLimiter"
import * as HttpApiError from "@effect/platform/HttpApiError"
import * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { ApiError } from "@errata/core"
import * as RateLimitAlarm from "@errata/dialect/RateLimitAlarm"
import * as RateLimitHeaders from "@errata/dialect/RateLimitHeaders"
import * as RateLimitKeys from "@errata/dialect/RateLimitKeys"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Identity, Options, Tier } from "../RateLimit.js"
import * as ServerErrors from "../ServerErrors.js"
import * as RequestId from "./requestId.js"

/** The tiers of SPEC.md §6. */
export const tiers = RateLimitKeys.tiers

const DEFAULT_WARN_INTERVAL = Duration.seconds(60)

/** The API key of `Authorization: Bearer <key>`. */
export const apiKey = (request: HttpServerRequest.HttpServerRequest): string | undefined =>
  RateLimitKeys.bearerKey(request.headers["authorization"])

const addressOf = (request: HttpServerRequest.HttpServerRequest): string | undefined =>
  request.remoteAddress._tag === "Some" ? request.remoteAddress.value : undefined

/** The default bucket key: the bearer API key, else the client address, else `"anonymous"`. */
export const clientKey = (request: HttpServerRequest.HttpServerRequest): string =>
  RateLimitKeys.clientKey(request.headers["authorization"], addressOf(request))

/** The bucket every request from one address that is answered 401 is counted in. */
export const unauthenticatedKey = (request: HttpServerRequest.HttpServerRequest): string =>
  RateLimitKeys.unauthenticatedKey(addressOf(request))

/** The default unauthenticated tier: SPEC.md §6's Free, for all of an address's bad keys together. */
export const DEFAULT_UNAUTHENTICATED: Tier = tiers.free

// 401 is "API key missing or invalid" (SPEC.md §2): the request was refused before anything was
// done, so it may be counted on the address instead of on the key.
const isUnauthorized = (u: unknown): boolean =>
  (ApiError.isApiError(u) && u.status === 401) || u instanceof HttpApiError.Unauthorized

const isUnauthorizedCause = (cause: Cause.Cause<unknown>): boolean =>
  cause._tag === "Fail"
    ? isUnauthorized(cause.error)
    : Chunk.some(Cause.failures(cause), isUnauthorized) || Chunk.some(Cause.defects(cause), isUnauthorized)

const free: Identity = { tier: "free" }
const identifyFree = (): Effect.Effect<Identity> => Effect.succeed(free)

const withRateHeaders = (values: RateLimitHeaders.Values) =>
  HttpApp.appendPreResponseHandler((_request, response) => Effect.succeed(HttpServerResponse.setHeaders(response, values)))

// Answered here rather than failed: the 429 is complete whatever order the middlewares run in.
const reject = (error: ApiError.ApiError) =>
  RequestId.withRequestId(RequestId.generate, (id) =>
    Effect.succeed(HttpServerResponse.setHeader(ServerErrors.respond(error), RequestId.header, id)))

// A store that is down fails every request: one warning per interval says so without flooding the
// logs; the others are debug lines (`RateLimitAlarm`).
const reportStoreFailure = (alarm: RateLimitAlarm.Alarm, error: RateLimiter.RateLimitStoreError) =>
  Effect.clockWith((clock) => {
    const report = alarm.report(clock.unsafeCurrentTimeMillis(), error.message)
    return Effect.annotateLogs(
      report.level === "warning" ? Effect.logWarning(report.message) : Effect.logDebug(report.message),
      report.annotations
    )
  })

/** What counting one request in a bucket decided. */
type Counted =
  | { readonly _tag: "Counted" }
  | { readonly _tag: "Refused"; readonly response: HttpServerResponse.HttpServerResponse }
  | { readonly _tag: "Uncounted" }

const counted: Counted = { _tag: "Counted" }
const uncounted: Counted = { _tag: "Uncounted" }

/** A bucket looked at and found empty. */
type Empty = "empty"
const empty: Empty = "empty"

const bucketOf = (key: string, tier: Tier, tokens: number): Parameters<RateLimiter.RateLimiter["consume"]>[0] => ({
  algorithm: "token-bucket",
  onExceeded: "fail",
  key,
  limit: tier.burst,
  // RateLimiter refills one token every window / limit: one every 60 s / perMinute.
  window: Duration.millis(RateLimitHeaders.windowMillis(tier)),
  tokens
})

/** The options resolved once; the result runs one request through a limiter. */
export const limiter = <E, R>(options: Options<E, R>) => {
  const tierMap: Readonly<Record<string, Tier>> = options.tiers ?? tiers
  const identify = options.identify ?? identifyFree
  const unauthenticated = options.unauthenticated ?? DEFAULT_UNAUTHENTICATED
  const policy = options.onStoreError ?? "allow"
  const intervalMillis = Duration.toMillis(options.warnInterval ?? DEFAULT_WARN_INTERVAL)
  const alarm = RateLimitAlarm.make(intervalMillis, policy)

  /** Refuses the request with 429: the next token is `waitMillis` away. */
  const refuse = (tier: Tier, now: number, waitMillis: number): Effect.Effect<Counted, never, HttpServerRequest.HttpServerRequest> =>
    Effect.zipRight(
      withRateHeaders(RateLimitHeaders.refused(tier, waitMillis, now)),
      // Wire.encode rounds the wait up to whole seconds, at least 1.
      Effect.map(
        reject(new ApiError.RateLimitExceeded({ details: { retryAfter: RateLimitHeaders.retryAfter(waitMillis) } })),
        (response): Counted => ({ _tag: "Refused", response })
      )
    )

  /**
   * Takes a token from `key`'s bucket: the headers are set, or the request is refused. With
   * `lookFirst`, the bucket is looked at first (taking no token) and an empty one refuses the
   * request at once: the unauthenticated bucket of an address that keeps guessing is empty on
   * nearly every request, and the `RateLimitExceeded` the RateLimiter would build for it (a stack
   * and a schema check) costs more than the rest of the 429. An empty token bucket's wait is one
   * refill, as the RateLimiter computes it.
   */
  const count = (
    rateLimiter: RateLimiter.RateLimiter,
    key: string,
    tier: Tier,
    lookFirst = false
  ): Effect.Effect<Counted, never, HttpServerRequest.HttpServerRequest> => {
    const take = rateLimiter.consume(bucketOf(key, tier, 1))
    const consumed: Effect.Effect<RateLimiter.ConsumeResult | Empty, RateLimiter.RateLimiterError> = lookFirst
      ? Effect.flatMap(
        rateLimiter.consume(bucketOf(key, tier, 0)),
        (look): Effect.Effect<RateLimiter.ConsumeResult | Empty, RateLimiter.RateLimiterError> =>
          look.remaining < 1 ? Effect.succeed(empty) : take
      )
      : take
    // Not a generator: this runs on every request, and each step of one costs.
    return Effect.matchEffect(consumed, {
      onSuccess: (result) =>
        Effect.clockWith((clock): Effect.Effect<Counted, never, HttpServerRequest.HttpServerRequest> => {
          const now = clock.unsafeCurrentTimeMillis()
          if (result === empty) return refuse(tier, now, RateLimitHeaders.refillMillis(tier))
          return Effect.as(
            withRateHeaders(RateLimitHeaders.counted(tier, result.remaining, Duration.toMillis(result.resetAfter), now)),
            counted
          )
        }),
      onFailure: (error) => {
        if (error.reason === "Exceeded") {
          return Effect.clockWith((clock) => refuse(tier, clock.unsafeCurrentTimeMillis(), Duration.toMillis(error.retryAfter)))
        }
        return Effect.zipRight(
          reportStoreFailure(alarm, error),
          policy === "allow"
            ? Effect.succeed(uncounted)
            : Effect.map(reject(new ApiError.ServiceUnavailable()), (response): Counted => ({ _tag: "Refused", response }))
        )
      }
    })
  }

  // A request answered 401 carries no key worth a bucket (a made-up one, or none): it is counted
  // in its address's unauthenticated bucket, which answers 429 once a stranger has used it up,
  // and the token its own bucket gave is handed back, so that a sprayed key leaves no bucket.
  const answerUnauthorized = <A, AE, AR>(
    rateLimiter: RateLimiter.RateLimiter,
    request: HttpServerRequest.HttpServerRequest,
    answer: Effect.Effect<A, AE, AR>,
    charged?: { readonly key: string; readonly tier: Tier }
  ): Effect.Effect<A | HttpServerResponse.HttpServerResponse, AE, AR | HttpServerRequest.HttpServerRequest> => {
    const onAddress = count(rateLimiter, unauthenticatedKey(request), unauthenticated, true)
    const decided = charged === undefined
      ? onAddress
      : Effect.map(
        Effect.all([onAddress, Effect.ignore(rateLimiter.consume(bucketOf(charged.key, charged.tier, -1)))], {
          concurrency: 2
        }),
        ([decision]) => decision
      )
    return Effect.flatMap(
      decided,
      (decision): Effect.Effect<A | HttpServerResponse.HttpServerResponse, AE, AR> =>
        decision._tag === "Refused" ? Effect.succeed(decision.response) : answer
    )
  }

  return <AE, AR>(rateLimiter: RateLimiter.RateLimiter, app: HttpApp.Default<AE, AR>): HttpApp.Default<AE | E, AR | R> =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const identified = yield* Effect.exit(identify(request))
      if (identified._tag === "Failure") {
        const failed = Effect.failCause(identified.cause)
        return yield* (isUnauthorizedCause(identified.cause) ? answerUnauthorized(rateLimiter, request, failed) : failed)
      }
      const identity = identified.value
      const tier = typeof identity.tier === "string" ? tierMap[identity.tier] : identity.tier
      if (tier === undefined) return yield* Effect.dieMessage(`Unknown rate-limit tier "${String(identity.tier)}"`)
      const key = identity.key ?? clientKey(request)
      const decision = yield* count(rateLimiter, key, tier)
      if (decision._tag === "Refused") return decision.response
      const charged = decision._tag === "Counted" ? { key, tier } : undefined
      return yield* Effect.matchCauseEffect(app, {
        onFailure: (cause) =>
          isUnauthorizedCause(cause)
            ? answerUnauthorized(rateLimiter, request, Effect.failCause(cause), charged)
            : Effect.failCause(cause),
        onSuccess: (response) =>
          response.status === 401
            ? answerUnauthorized(rateLimiter, request, Effect.succeed(response), charged)
            : Effect.succeed(response)
      })
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
