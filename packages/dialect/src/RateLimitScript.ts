/**
 * The Redis scripts of the rate limiter, and the layout of their keys and arguments, so that every
 * edition's Redis store runs the same arithmetic on the same keys: instances of either edition that
 * share one Redis share one limit. Each script is one atomic `EVAL` on one key.
 *
 * @since 0.1.0
 */

/**
 * The token bucket, one hash per bucket with `tokens` and `refill` (the time of the last refill,
 * Redis's clock in ms). It is `@effect/experimental`'s in-memory arithmetic with two changes: the
 * time is Redis's own (`TIME`), so instances whose clocks disagree still share one refill
 * schedule; and the hash expires once the bucket would be full again (plus one refill), when a
 * missing bucket means the same thing, a full one, so Redis holds no bucket for ever.
 *
 * `KEYS[1]`: the bucket's key. `ARGV` (build it with `tokenBucketArguments`): the tokens to take,
 * the refill interval in ms (one token per interval), the limit (the bucket's capacity), and `"1"`
 * when the bucket may go below zero (`"0"` otherwise). Reply: the tokens left after taking, an
 * integer; negative when there were too few, and then nothing is taken unless overflow is allowed.
 *
 * @example
 * import { RateLimitScript } from "@errata/dialect"
 * // redis.eval(RateLimitScript.tokenBucket, 1, key, ...RateLimitScript.tokenBucketArguments(call))
 * RateLimitScript.tokenBucket.includes("PEXPIRE") // true
 *
 * @since 0.1.0
 * @category scripts
 */
export const tokenBucket = `
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

/**
 * The `ARGV` of `tokenBucket`, in its order.
 *
 * @example
 * import { RateLimitScript } from "@errata/dialect"
 * RateLimitScript.tokenBucketArguments({ tokens: 1, refillMillis: 400, limit: 150, allowOverflow: false })
 * // [1, 400, 150, "0"]
 *
 * @since 0.1.0
 * @category arguments
 */
export const tokenBucketArguments = (call: {
  readonly tokens: number
  readonly refillMillis: number
  readonly limit: number
  readonly allowOverflow: boolean
}): ReadonlyArray<string | number> => [call.tokens, call.refillMillis, call.limit, call.allowOverflow ? "1" : "0"]

/**
 * `@effect/experimental`'s fixed window, for callers of a rate limiter that ask for that
 * algorithm: one counter per window, whose key expires with its window. The TTLs are rounded up,
 * as `PX` takes whole milliseconds and a window divided by its limit rarely is.
 *
 * `KEYS[1]`: the window's key. `ARGV` (build it with `fixedWindowArguments`): the tokens to take,
 * the refill interval in ms (the window is this times the limit), and the limit, absent for none.
 * Reply: `{ count, pttl }`, the count after taking (over the limit when refused, and then nothing
 * is taken) and the window's remaining milliseconds.
 *
 * @example
 * import { RateLimitScript } from "@errata/dialect"
 * RateLimitScript.fixedWindow.includes("PTTL") // true
 *
 * @since 0.1.0
 * @category scripts
 */
export const fixedWindow = `
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

/**
 * The `ARGV` of `fixedWindow`, in its order.
 *
 * @example
 * import { RateLimitScript } from "@errata/dialect"
 * RateLimitScript.fixedWindowArguments({ tokens: 1, refillMillis: 600, limit: undefined }) // [1, 600]
 *
 * @since 0.1.0
 * @category arguments
 */
export const fixedWindowArguments = (call: {
  readonly tokens: number
  readonly refillMillis: number
  readonly limit: number | undefined
}): ReadonlyArray<string | number> =>
  call.limit === undefined ? [call.tokens, call.refillMillis] : [call.tokens, call.refillMillis, call.limit]

const encoder = new TextEncoder()

// WebCrypto, so that no runtime needs `node:crypto`.
const hexDigest = (algorithm: "SHA-1" | "SHA-256", text: string): Promise<string> =>
  globalThis.crypto.subtle.digest(algorithm, encoder.encode(text)).then((digest) =>
    Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("")
  )

/**
 * The Redis key of a bucket: the store's prefix and the SHA-256 of the bucket's own key, in hex.
 * The default bucket key is the client's API key, which should not leave the process as it is;
 * the digest still names one bucket per key, the same from every instance.
 *
 * @example
 * import { RateLimitScript } from "@errata/dialect"
 * const redisKey = RateLimitScript.key("contacts-api:", "sk_live_123") // "contacts-api:" + 64 hex digits
 *
 * @since 0.1.0
 * @category keys
 */
export const key = (prefix: string, bucket: string): Promise<string> =>
  hexDigest("SHA-256", bucket).then((digest) => prefix + digest)

/**
 * The SHA-1 of a script in hex, as `EVALSHA` names it: a store sends the 40 digits instead of the
 * script, and the script itself only when Redis answers `NOSCRIPT` (after a restart).
 *
 * @example
 * import { RateLimitScript } from "@errata/dialect"
 * const sha = RateLimitScript.sha(RateLimitScript.tokenBucket) // 40 hex digits
 *
 * @since 0.1.0
 * @category keys
 */
export const sha = (script: string): Promise<string> => hexDigest("SHA-1", script)

/**
 * A script as a store sends it: its text, and the SHA-1 `EVALSHA` names it by.
 *
 * @example
 * import type { RateLimitScript } from "@errata/dialect"
 * const named = (script: RateLimitScript.Script) => script.sha
 *
 * @since 0.1.0
 * @category evaluation
 */
export interface Script {
  readonly lua: string
  readonly sha: string
}

/**
 * A script with its SHA-1, computed once when a store is built.
 *
 * @example
 * import { RateLimitScript } from "@errata/dialect"
 * const tokenBucket = RateLimitScript.prepare(RateLimitScript.tokenBucket) // Promise<{ lua, sha }>
 *
 * @since 0.1.0
 * @category evaluation
 */
export const prepare = (lua: string): Promise<Script> => sha(lua).then((digest) => ({ lua, sha: digest }))

/**
 * The two commands a store runs a script with, as a Redis client such as ioredis has them.
 *
 * @example
 * import type { RateLimitScript } from "@errata/dialect"
 * const echo: RateLimitScript.Client = {
 *   evalsha: (_sha, _keys, ...args) => Promise.resolve(args),
 *   eval: (_lua, _keys, ...args) => Promise.resolve(args)
 * }
 *
 * @since 0.1.0
 * @category evaluation
 */
export interface Client {
  evalsha(sha: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>
  eval(lua: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>
}

/**
 * Whether a Redis error is `NOSCRIPT`: Redis forgot the script (it restarted), and it must be sent
 * itself once.
 *
 * @example
 * import { RateLimitScript } from "@errata/dialect"
 * RateLimitScript.isNoScript(new Error("NOSCRIPT No matching script. Please use EVAL.")) // true
 *
 * @since 0.1.0
 * @category evaluation
 */
export const isNoScript = (error: unknown): boolean => error instanceof Error && error.message.startsWith("NOSCRIPT")

/**
 * Runs a script on one key: `EVALSHA` sends 40 bytes instead of the script; when Redis answers
 * `NOSCRIPT` (it forgot the script when it restarted), the script itself is sent once.
 *
 * @example
 * import { RateLimitScript } from "@errata/dialect"
 * declare const redis: RateLimitScript.Client
 * const run = (script: RateLimitScript.Script, key: string) =>
 *   RateLimitScript.evaluate(redis, script, key, RateLimitScript.fixedWindowArguments({ tokens: 1, refillMillis: 600, limit: 100 }))
 *
 * @since 0.1.0
 * @category evaluation
 */
export const evaluate = (
  client: Client,
  script: Script,
  key: string,
  args: ReadonlyArray<string | number>
): Promise<unknown> =>
  client.evalsha(script.sha, 1, key, ...args).catch((error: unknown) =>
    isNoScript(error) ? client.eval(script.lua, 1, key, ...args) : Promise.reject(error)
  )

/**
 * The reply of `tokenBucket`, the tokens left, or `undefined` when it is not an integer reply.
 *
 * @example
 * import { RateLimitScript } from "@errata/dialect"
 * RateLimitScript.tokenBucketReply(149) // 149
 * RateLimitScript.tokenBucketReply("149") // undefined
 *
 * @since 0.1.0
 * @category replies
 */
export const tokenBucketReply = (reply: unknown): number | undefined => (typeof reply === "number" ? reply : undefined)

/**
 * The reply of `fixedWindow`, `[count, pttl]`, or `undefined` when it is not two integers.
 *
 * @example
 * import { RateLimitScript } from "@errata/dialect"
 * RateLimitScript.fixedWindowReply([3, 1200]) // [3, 1200]
 * RateLimitScript.fixedWindowReply(null) // undefined
 *
 * @since 0.1.0
 * @category replies
 */
export const fixedWindowReply = (reply: unknown): readonly [count: number, ttlMillis: number] | undefined =>
  Array.isArray(reply) && typeof reply[0] === "number" && typeof reply[1] === "number" ? [reply[0], reply[1]] : undefined

/**
 * The message of a store failure for a reply a script cannot have given.
 *
 * @example
 * import { RateLimitScript } from "@errata/dialect"
 * RateLimitScript.unexpectedReply("OK") // 'Unexpected reply from the Redis rate-limit script: "OK"'
 *
 * @since 0.1.0
 * @category replies
 */
export const unexpectedReply = (reply: unknown): string =>
  `Unexpected reply from the Redis rate-limit script: ${JSON.stringify(reply) ?? "undefined"}`
