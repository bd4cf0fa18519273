/**
 * The Redis `RateLimiterStore` behind `RateLimitRedis.layer`.
 *
 * Why not `@effect/experimental/RateLimiter/Redis` as it is: its client has no `error` listener,
 * so while Redis is down ioredis prints "[ioredis] Unhandled error event" on every reconnection
 * attempt, whatever the middleware's once-per-interval warning; its finalizer's `quit()` rejects
 * when the connection is down and no offline queue is kept, which makes shutdown a defect and
 * leaves the client reconnecting for ever; and its buckets never expire, so Redis keeps a bucket
 * for every client address it has ever seen. This store keeps the same `RateLimiterStore`
 * contract and the same token-bucket arithmetic (so the headers are the same as with the memory
 * store), and fixes those three. Bucket keys leave the process as SHA-256 digests (WebCrypto, so
 * nothing here needs `node:crypto`): the default key is the client's API key.
 *
 * @internal
 */
import * as RateLimiter from "@effect/experimental/RateLimiter"
import * as RateLimitScript from "@errata/dialect/RateLimitScript"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

/** @internal */
export interface Options {
  readonly url: string
  readonly prefix: string
  readonly connectTimeout: Duration.Duration
  readonly commandTimeout: Duration.Duration
}

/** The longest wait between two reconnection attempts: how late the store sees Redis come back. */
const RECONNECT_CAP_MILLIS = 1000

// ioredis takes whole milliseconds, and reads 0 as "no timeout".
const timeoutMillis = (duration: Duration.Duration): number => Math.max(1, Math.round(Duration.toMillis(duration)))

const script = (lua: string): Effect.Effect<RateLimitScript.Script> => Effect.promise(() => RateLimitScript.prepare(lua))

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

const storeError = (message: string, cause?: unknown) =>
  new RateLimiter.RateLimitStoreError(cause === undefined ? { message } : { message, cause })

const unexpectedReply = (reply: unknown) => Effect.fail(storeError(RateLimitScript.unexpectedReply(reply)))

/**
 * The ioredis module, loaded when a Redis store is built: `@errata/server` does not make every
 * user install ioredis.
 */
const loadIoredis = Effect.tryPromise({
  try: () => import("ioredis"),
  catch: (cause) => cause
}).pipe(
  Effect.catchAll((cause) =>
    Effect.dieMessage(`RateLimitRedis.layer needs the ioredis package (npm install ioredis): ${describe(cause)}`)
  )
)

/**
 * A client that fails fast when Redis is away, and a store whose calls fail with
 * `RateLimitStoreError` then. How long a request waits for a Redis that does not answer is the
 * caller's deadline; `commandTimeout` only drops the commands such a Redis never answers.
 *
 * @internal
 */
export const make = (options: Options): Effect.Effect<Context.Tag.Service<typeof RateLimiter.RateLimiterStore>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { Redis } = yield* loadIoredis
    const tokenBucketScript = yield* script(RateLimitScript.tokenBucket)
    const fixedWindowScript = yield* script(RateLimitScript.fixedWindow)
    const connectTimeoutMillis = timeoutMillis(options.connectTimeout)
    // Why the client is not connected, for the store's errors: the last connection error since
    // it was last ready, else that the connection closed.
    let notReady = "not connected yet"
    let failedSinceReady = false
    const redis = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const client = new Redis(options.url, {
          // Not connected: fail the command at once rather than queue it until Redis is back.
          enableOfflineQueue: false,
          // The commands a dropped connection leaves without replies are failed at once (the
          // default waits for 20 reconnection attempts) and not sent again on the next connection:
          // their requests have been answered by then.
          maxRetriesPerRequest: 0,
          autoResendUnfulfilledCommands: false,
          // Reconnect for ever, at most a second apart, so the limit is back soon after Redis is.
          retryStrategy: (attempt: number) => Math.min(attempt * 100, RECONNECT_CAP_MILLIS),
          connectTimeout: connectTimeoutMillis,
          // A Redis that accepts commands and never answers (stalled, partitioned) would collect
          // abandoned commands; ioredis fails each after this.
          commandTimeout: timeoutMillis(options.commandTimeout)
        })
        // Connection errors are the middleware's to report, once per interval, through the store
        // failures they cause; this keeps ioredis from printing each reconnection attempt.
        client.on("error", (error: unknown) => {
          notReady = describe(error)
          failedSinceReady = true
        })
        client.on("close", () => {
          if (!failedSinceReady) notReady = "connection closed"
        })
        client.on("ready", () => {
          failedSinceReady = false
        })
        return client
      }),
      (client) =>
        Effect.promise(() => (client.status === "ready" ? client.quit().then(() => undefined, () => undefined) : Promise.resolve())).pipe(
          // quit() waits for the replies still due; disconnect() also stops reconnection attempts.
          Effect.ensuring(Effect.sync(() => client.disconnect()))
        )
    )

    // A server started while Redis is away still starts (the middleware's onStoreError policy
    // answers its requests meanwhile), after waiting for the first connection at most
    // connectTimeout. Real time, not the Clock: this waits on a network, and a layer built under
    // a TestClock must not wait for ever.
    const ready = yield* Effect.async<boolean>((resume) => {
      if (redis.status === "ready") return resume(Effect.succeed(true))
      const onReady = () => {
        clearTimeout(timer)
        resume(Effect.succeed(true))
      }
      const timer = setTimeout(() => {
        redis.off("ready", onReady)
        resume(Effect.succeed(false))
      }, connectTimeoutMillis)
      redis.once("ready", onReady)
      return Effect.sync(() => {
        clearTimeout(timer)
        redis.off("ready", onReady)
      })
    })
    if (!ready) {
      yield* Effect.logWarning(
        `errata: Redis rate-limit store not reachable at start (${notReady}); requests follow the middleware's onStoreError policy until it is`
      ).pipe(Effect.annotateLogs({ "errata.rate_limit_store": "unavailable" }))
    }

    // While not connected, fail at once with the reason (ioredis would only say the stream is not
    // writeable). The key is hashed first: what Redis holds does not name the client.
    const run = (script: RateLimitScript.Script, key: string, args: ReadonlyArray<string | number>) =>
      redis.status === "ready"
        ? Effect.tryPromise({
          try: () => RateLimitScript.key(options.prefix, key).then((redisKey) => RateLimitScript.evaluate(redis, script, redisKey, args)),
          catch: (cause) => storeError(`Redis: ${describe(cause)}`, cause)
        })
        : Effect.fail(storeError(`Redis ${redis.status}: ${notReady}`))

    return RateLimiter.RateLimiterStore.of({
      tokenBucket: (call) =>
        Effect.flatMap(
          run(
            tokenBucketScript,
            call.key,
            RateLimitScript.tokenBucketArguments({
              tokens: call.tokens,
              refillMillis: Duration.toMillis(call.refillRate),
              limit: call.limit,
              allowOverflow: call.allowOverflow
            })
          ),
          (reply) => {
            const remaining = RateLimitScript.tokenBucketReply(reply)
            return remaining === undefined ? unexpectedReply(reply) : Effect.succeed(remaining)
          }
        ),
      fixedWindow: (call) =>
        Effect.flatMap(
          run(
            fixedWindowScript,
            call.key,
            RateLimitScript.fixedWindowArguments({
              tokens: call.tokens,
              refillMillis: Duration.toMillis(call.refillRate),
              limit: call.limit
            })
          ),
          (reply) => {
            const counted = RateLimitScript.fixedWindowReply(reply)
            return counted === undefined ? unexpectedReply(reply) : Effect.succeed(counted)
          }
        )
    })
  })
