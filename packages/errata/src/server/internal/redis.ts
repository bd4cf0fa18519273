/**
 * The Redis `RateLimiterStore` behind `RateLimitRedis.layer`, on `ioredis`.
 *
 * Why not `effect/persistence`'s `layerStoreRedis`: it runs on `effect/persistence/Redis`, which
 * `@effect/platform-node` implements on the `redis` package, not `ioredis`; its buckets are two
 * plain keys where the Effect 3 edition's are one hash, so the two editions could not share one
 * Redis; its time is the instance's clock, so instances whose clocks disagree disagree on the
 * refill; and it sends bucket keys (API keys, by default) to Redis as they are. This store runs
 * `@errata/dialect`'s scripts on the same keys as the Effect 3 edition's store (`RateLimitScript.key`:
 * the prefix and the SHA-256 of the bucket key, WebCrypto), so instances of both editions on one
 * Redis and one prefix count against the same buckets; and it keeps that store's client
 * behaviour: an `error` listener (no "[ioredis] Unhandled error event" on every reconnection
 * attempt), a shutdown that neither fails nor leaves the client reconnecting, commands that fail
 * at once while Redis is away.
 *
 * `tokenBucket` must answer `[remaining, elapsedMillis]` in Effect 4. The shared script answers
 * the tokens left only; it runs in a transaction (`MULTI`/`EXEC`, which Redis runs without
 * interleaving another client's commands) with `HGET <key> refill` and `TIME`, and the time since
 * the bucket's last refill is read from those: the same script, the same state, and the elapsed
 * time of that very call.
 *
 * @internal
 */
import * as RateLimitScript from "@errata/dialect/RateLimitScript"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as RateLimiter from "effect/persistence/RateLimiter"
import type * as Scope from "effect/Scope"
import type { Redis } from "ioredis"
import { type Store, storeError } from "./rateLimit.js"
import * as Scripts from "./redisScripts.js"

/** @internal */
export interface Options {
  readonly url: string
  readonly prefix: string
  readonly connectTimeout: Duration.Duration
  readonly commandTimeout: Duration.Duration
}

/** The longest wait between two reconnection attempts: how late the store sees Redis come back. */
const RECONNECT_CAP_MILLIS = 1000

/** `effect/persistence`'s adaptive constants, as its memory and Redis stores use them. */
const ADAPTIVE_TTL_GRACE_MILLIS = 60_000
const ADAPTIVE_MAX_WINDOW_MILLIS = 60 * 60 * 1_000

// ioredis takes whole milliseconds, and reads 0 as "no timeout".
const timeoutMillis = (duration: Duration.Duration): number => Math.max(1, Math.round(Duration.toMillis(duration)))

const script = (lua: string): Effect.Effect<RateLimitScript.Script> => Effect.promise(() => RateLimitScript.prepare(lua))

/** What `MULTI … EXEC` answers: one `[error, reply]` per command, or null when the transaction was aborted. */
type ExecReply = Array<[error: Error | null, result: unknown]> | null

// The token bucket, its refill time and Redis's clock, in one transaction. A NOSCRIPT inside it
// fails that command only (the others still run, and read the bucket unchanged): the transaction
// is sent again with the script itself.
const tokenBucketWithTime = (
  redis: Redis,
  { lua, sha }: RateLimitScript.Script,
  key: string,
  args: ReadonlyArray<string | number>
): Promise<ReadonlyArray<[Error | null, unknown]>> => {
  const transaction = (run: "evalsha" | "eval") => {
    const multi = redis.multi()
    if (run === "evalsha") multi.evalsha(sha, 1, key, ...args)
    else multi.eval(lua, 1, key, ...args)
    return multi.hget(key, "refill").time().exec().then((replies: ExecReply) =>
      replies === null ? Promise.reject(new Error("transaction aborted")) : replies
    )
  }
  return transaction("evalsha").then((replies) =>
    RateLimitScript.isNoScript(replies[0]?.[0]) ? transaction("eval") : replies
  )
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

const unexpectedReply = (reply: unknown) => Effect.fail(storeError(RateLimitScript.unexpectedReply(reply)))

const isNumeric = (u: unknown): u is number | string => typeof u === "number" || (typeof u === "string" && u !== "" && Number.isFinite(Number(u)))

/**
 * The milliseconds since the bucket's last refill, from the transaction's `HGET refill` and `TIME`:
 * within one refill interval, as the script refills by whole intervals; 0 for a bucket the script
 * deleted (full again, which a missing bucket means).
 */
const elapsedOf = (refill: unknown, time: unknown, refillMillis: number): number | undefined => {
  if (refill === null) return 0
  if (!isNumeric(refill) || !Array.isArray(time) || !isNumeric(time[0]) || !isNumeric(time[1])) return undefined
  const now = Number(time[0]) * 1000 + Number(time[1]) / 1000
  return Math.min(Math.max(0, now - Number(refill)), Math.max(0, refillMillis - 1))
}

const pair = (a: number, b: number): readonly [number, number] => [a, b]

const phases: ReadonlyArray<RateLimiter.AdaptivePhase> = ["inactive", "cooldown", "learning", "learned"]
const isPhase = (u: unknown): u is RateLimiter.AdaptivePhase => phases.some((phase) => phase === u)

/**
 * The ioredis module, loaded when a Redis store is built: `errata/server` does not make every
 * user install ioredis.
 */
const loadIoredis = Effect.tryPromise({
  try: () => import("ioredis"),
  catch: (cause) => cause
}).pipe(
  Effect.catch((cause) =>
    Effect.die(new Error(`RateLimitRedis.layer needs the ioredis package (npm install ioredis): ${describe(cause)}`))
  )
)

/**
 * A client that fails fast when Redis is away, and a store whose calls fail with
 * `RateLimitStoreError` then. How long a request waits for a Redis that does not answer is the
 * caller's deadline; `commandTimeout` only drops the commands such a Redis never answers.
 *
 * @internal
 */
export const make = (options: Options): Effect.Effect<Store, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { Redis } = yield* loadIoredis
    const tokenBucketScript = yield* script(RateLimitScript.tokenBucket)
    const fixedWindowScript = yield* script(RateLimitScript.fixedWindow)
    const adaptiveConsumeScript = yield* script(Scripts.adaptiveConsume)
    const adaptiveFeedbackScript = yield* script(Scripts.adaptiveFeedback)
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
        Effect.promise(() =>
          client.status === "ready" ? client.quit().then(() => undefined, () => undefined) : Promise.resolve()
        ).pipe(
          // quit() waits for the replies still due; disconnect() also stops reconnection attempts.
          Effect.ensuring(Effect.sync(() => client.disconnect()))
        )
    )

    // A server started while Redis is away still starts (the middleware's onStoreError policy
    // answers its requests meanwhile), after waiting for the first connection at most
    // connectTimeout. Real time, not the Clock: this waits on a network, and a layer built under
    // a TestClock must not wait for ever.
    const ready = yield* Effect.callback<boolean>((resume) => {
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
    const run = <A>(bucket: string, call: (redisKey: string) => Promise<A>): Effect.Effect<A, RateLimiter.RateLimiterError> =>
      redis.status === "ready"
        ? Effect.tryPromise({
          try: () => RateLimitScript.key(options.prefix, bucket).then(call),
          catch: (cause) => storeError(`Redis: ${describe(cause)}`, cause)
        })
        : Effect.fail(storeError(`Redis ${redis.status}: ${notReady}`))

    const tokenBucket: Store["tokenBucket"] = (call) => {
      const refillMillis = Duration.toMillis(call.refillRate)
      const args = RateLimitScript.tokenBucketArguments({
        tokens: call.tokens,
        refillMillis,
        limit: call.limit,
        allowOverflow: call.allowOverflow
      })
      return Effect.flatMap(
        run(call.key, (key) => tokenBucketWithTime(redis, tokenBucketScript, key, args)),
        (replies) => {
          const [[scriptError, remaining] = [null, undefined], [, refill] = [null, undefined], [, time] = [null, undefined]] =
            replies
          if (scriptError !== null) return Effect.fail(storeError(`Redis: ${scriptError.message}`, scriptError))
          const elapsed = elapsedOf(refill, time, refillMillis)
          const left = RateLimitScript.tokenBucketReply(remaining)
          return left !== undefined && elapsed !== undefined ? Effect.succeed(pair(left, elapsed)) : unexpectedReply(replies)
        }
      )
    }

    const fixedWindow: Store["fixedWindow"] = (call) =>
      Effect.flatMap(
        run(call.key, (key) =>
          RateLimitScript.evaluate(
            redis,
            fixedWindowScript,
            key,
            RateLimitScript.fixedWindowArguments({
              tokens: call.tokens,
              refillMillis: Duration.toMillis(call.refillRate),
              limit: call.limit
            })
          )),
        (reply) => {
          const counted = RateLimitScript.fixedWindowReply(reply)
          return counted === undefined ? unexpectedReply(reply) : Effect.succeed(counted)
        }
      )

    const adaptiveConsume: Store["adaptiveConsume"] = (call) =>
      Effect.flatMap(
        run(call.key, (key) =>
          RateLimitScript.evaluate(
            redis,
            adaptiveConsumeScript,
            Scripts.adaptiveKey(key),
            Scripts.adaptiveConsumeArguments({
              tokens: call.tokens,
              fallbackWindowMillis: Duration.toMillis(call.fallbackWindow),
              graceMillis: ADAPTIVE_TTL_GRACE_MILLIS
            })
          )),
        (reply) => {
          if (!Array.isArray(reply)) return unexpectedReply(reply)
          const [delayMillis, epoch, phase] = reply
          return typeof delayMillis === "number" && typeof epoch === "number" && isPhase(phase)
            ? Effect.succeed<RateLimiter.AdaptiveConsumeResult>({
              delay: delayMillis <= 0 ? Duration.zero : Duration.millis(delayMillis),
              epoch,
              phase
            })
            : unexpectedReply(reply)
        }
      )

    const adaptiveFeedback: Store["adaptiveFeedback"] = (call) => {
      // Only a 429 with a wait teaches anything, as in the memory store: the rest sends nothing.
      if (call.status !== 429 || call.retryAfter === undefined) return Effect.void
      const retryAfterMillis = Duration.toMillis(call.retryAfter)
      return Effect.flatMap(
        run(call.key, (key) =>
          RateLimitScript.evaluate(
            redis,
            adaptiveFeedbackScript,
            Scripts.adaptiveKey(key),
            Scripts.adaptiveFeedbackArguments({
              epoch: call.epoch,
              tokens: call.tokens,
              retryAfterMillis: Number.isNaN(retryAfterMillis) || retryAfterMillis <= 0
                ? 1
                : Math.min(retryAfterMillis, ADAPTIVE_MAX_WINDOW_MILLIS),
              graceMillis: ADAPTIVE_TTL_GRACE_MILLIS,
              maxWindowMillis: ADAPTIVE_MAX_WINDOW_MILLIS
            })
          )),
        (reply) => (reply === 0 || reply === 1 ? Effect.void : unexpectedReply(reply))
      )
    }

    return { tokenBucket, fixedWindow, adaptiveConsume, adaptiveFeedback }
  })
