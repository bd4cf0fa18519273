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
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { Redis } from "ioredis"

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

// One hash per bucket, `tokens` and `refill` (the time of the last refill, Redis's clock in ms).
// The arithmetic is `layerStoreMemory`'s; two things differ. The time is Redis's own (`TIME`), so
// instances whose clocks disagree still share one refill schedule. And the hash expires once the
// bucket would be full again (plus one refill), when a missing bucket means the same thing: a full
// one. Replies: the tokens left after taking `tokens`, negative when there were too few (and then
// nothing is taken), as `RateLimiterStore.tokenBucket` specifies.
const TOKEN_BUCKET = `
local tokens = tonumber(ARGV[1])
local refill_ms = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local overflow = ARGV[4] == "1"
local time = redis.call("TIME")
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call("HMGET", KEYS[1], "tokens", "refill")
local current = tonumber(state[1])
local last_refill = tonumber(state[2])
if not current or not last_refill then
  current = limit
  last_refill = now
end
local refill_amount = math.floor((now - last_refill) / refill_ms)
if refill_amount > 0 then
  current = math.min(current + refill_amount, limit)
  last_refill = last_refill + refill_amount * refill_ms
end
local next = current - tokens
local kept = next
if next < 0 and not overflow then
  kept = current
end
redis.call("HSET", KEYS[1], "tokens", kept, "refill", last_refill)
redis.call("PEXPIRE", KEYS[1], math.ceil((limit - kept + 1) * refill_ms))
return next
`

// `@effect/experimental`'s fixed-window script, for callers of the `RateLimiter` service that ask
// for that algorithm (the middleware does not): its keys already expire with their window. The
// TTLs are rounded up, as PX takes whole milliseconds and a window / limit rarely is.
const FIXED_WINDOW = `
local key = KEYS[1]
local tokens = tonumber(ARGV[1])
local refillms = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local current = tonumber(redis.call("GET", key))
if not current then
  local nextpttl = math.ceil(refillms * tokens)
  redis.call("SET", key, tokens, "PX", nextpttl)
  return { tokens, nextpttl }
end
local currentpttl = tonumber(redis.call("PTTL", key) or "0")
local next = current + tokens
if limit and next > limit then
  return { next, currentpttl }
end
local nextpttl = math.ceil(currentpttl + (refillms * tokens))
redis.call("SET", key, next, "PX", nextpttl)
return { next, nextpttl }
`

interface Script {
  readonly lua: string
  readonly sha: string
}

const encoder = new TextEncoder()

const hex = (digest: ArrayBuffer): string =>
  Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("")

const digestOf = (algorithm: "SHA-1" | "SHA-256", text: string): Promise<string> =>
  globalThis.crypto.subtle.digest(algorithm, encoder.encode(text)).then(hex)

const script = (lua: string): Effect.Effect<Script> =>
  Effect.map(Effect.promise(() => digestOf("SHA-1", lua)), (sha) => ({ lua, sha }))

const isNoScript = (error: unknown): boolean => error instanceof Error && error.message.startsWith("NOSCRIPT")

// EVALSHA sends 40 bytes instead of the script; Redis forgets scripts when it restarts, and then
// the script itself is sent once.
const evaluate = (redis: Redis, { lua, sha }: Script, key: string, args: ReadonlyArray<string | number>) =>
  redis.evalsha(sha, 1, key, ...args).catch((error: unknown) =>
    isNoScript(error) ? redis.eval(lua, 1, key, ...args) : Promise.reject(error)
  )

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

const storeError = (message: string, cause?: unknown) =>
  new RateLimiter.RateLimitStoreError(cause === undefined ? { message } : { message, cause })

const unexpectedReply = (reply: unknown) =>
  Effect.fail(storeError(`Unexpected reply from the Redis rate-limit script: ${JSON.stringify(reply) ?? "undefined"}`))

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
    const tokenBucketScript = yield* script(TOKEN_BUCKET)
    const fixedWindowScript = yield* script(FIXED_WINDOW)
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
    const run = (script: Script, key: string, args: ReadonlyArray<string | number>) =>
      redis.status === "ready"
        ? Effect.tryPromise({
          try: () => digestOf("SHA-256", key).then((digest) => evaluate(redis, script, options.prefix + digest, args)),
          catch: (cause) => storeError(`Redis: ${describe(cause)}`, cause)
        })
        : Effect.fail(storeError(`Redis ${redis.status}: ${notReady}`))

    return RateLimiter.RateLimiterStore.of({
      tokenBucket: (call) =>
        Effect.flatMap(
          run(tokenBucketScript, call.key, [
            call.tokens,
            Duration.toMillis(call.refillRate),
            call.limit,
            call.allowOverflow ? "1" : "0"
          ]),
          (reply) => (typeof reply === "number" ? Effect.succeed(reply) : unexpectedReply(reply))
        ),
      fixedWindow: (call) =>
        Effect.flatMap(
          run(fixedWindowScript, call.key, [
            call.tokens,
            Duration.toMillis(call.refillRate),
            ...(call.limit === undefined ? [] : [call.limit])
          ]),
          (reply) =>
            Array.isArray(reply) && typeof reply[0] === "number" && typeof reply[1] === "number"
              ? Effect.succeed([reply[0], reply[1]] as const)
              : unexpectedReply(reply)
        )
    })
  })
