/**
 * The Redis store with a real redis-server (support/Redis.ts: a test fails, never skips, when it
 * cannot start one), and the store-failure policy: fail-open or fail-closed, within the store's
 * timeout, one warning per warnInterval.
 */
import * as RateLimiter from "@effect/experimental/RateLimiter"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { ApiError } from "@errata/core"
import { RateLimit, RateLimitRedis, ServerErrors } from "@errata/server"
import { ConfigProvider, Context, Deferred, Effect, Fiber, Layer, Logger, LogLevel, Option, TestClock } from "effect"
import { Redis } from "ioredis"
import { createHash } from "node:crypto"
import { redisServer } from "./support/Redis.js"
import type { Received } from "./support/Serve.js"
import { BaseUrl, send, serveApp } from "./support/Serve.js"

const ok = HttpServerResponse.text("ok")

const appWith = <E>(options: RateLimit.Options<E>) =>
  HttpRouter.empty.pipe(HttpRouter.get("/ok", ok), RateLimit.make(options), ServerErrors.middleware)

/** Every client on one tier, each API key its own bucket. */
const onTier = (tier: string) => () => Effect.succeed({ tier })

/** Warnings and errors logged by a server, as text. */
const captureWarnings = () => {
  const lines: Array<string> = []
  const logger = Logger.make(({ logLevel, message }) => {
    if (LogLevel.greaterThanEqual(logLevel, LogLevel.Warning)) {
      lines.push(Array.isArray(message) ? message.map(String).join(" ") : String(message))
    }
  })
  return { lines, layer: Logger.replace(Logger.defaultLogger, logger) }
}

/** One server instance on its own port with its own limiter layer; gives its base URL. */
const instance = <E, IE = never>(
  options: RateLimit.Options<IE>,
  limiter: Layer.Layer<RateLimiter.RateLimiter, E>,
  logs: Layer.Layer<never> = Layer.empty
) =>
  Effect.map(
    Layer.build(serveApp(appWith(options)).pipe(Layer.provide(limiter), Layer.provide(logs))),
    (context) => Context.get(context, BaseUrl)
  )

/** Two instances on one Redis and one prefix, so one set of buckets; gives their base URLs. */
const twoInstancesSharingRedis = (options: RateLimit.Options) =>
  Effect.gen(function*() {
    const redis = yield* redisServer
    const prefix = uniquePrefix()
    const a = yield* instance(options, RateLimitRedis.layer({ url: redis.url, prefix }))
    const b = yield* instance(options, RateLimitRedis.layer({ url: redis.url, prefix }))
    return [a, b, redis, prefix] as const
  })

const sendTo = (base: string, init: RequestInit = {}) => Effect.provideService(send("/ok", init), BaseUrl, base)

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = performance.now()
    const result = yield* effect
    return [result, performance.now() - start] as const
  })

const as = (key: string): RequestInit => ({ headers: { authorization: `Bearer ${key}` } })

let prefixCount = 0
const uniquePrefix = () => `errata-test:${process.pid}:${Date.now()}:${++prefixCount}:`

const remaining = (res: Received) => res.headers.get("x-ratelimit-remaining")

/** Sends until the response carries rate-limit headers again (Redis back), at most 40 times. */
const untilCounted = (base: string, init: RequestInit) =>
  Effect.gen(function*() {
    for (let attempt = 0; attempt < 40; attempt++) {
      const res = yield* sendTo(base, init)
      if (remaining(res) !== null) return res
      yield* Effect.sleep("100 millis")
    }
    return yield* Effect.dieMessage("the limiter did not count again within 4 s of Redis coming back")
  })

const STORE_TIMEOUT = 250
// What a request may take beyond the store's timeout on a loaded CI machine (fetch, the server, logging).
const MARGIN = 1000

describe("RateLimitRedis.layer: instances that share one Redis share the limit", () => {
  it.scopedLive("a key over its limit is refused by both instances together; the headers count across them", () =>
    Effect.gen(function*() {
      const [a, b] = yield* twoInstancesSharingRedis({
        tiers: { shared: { perMinute: 1, burst: 5 } },
        identify: onTier("shared")
      })
      expect(a).not.toBe(b)

      const key = as("sk_test_shared")
      const countdown: Array<string | null> = []
      for (let i = 0; i < 5; i++) {
        const res = yield* sendTo(i % 2 === 0 ? a : b, key)
        expect(res.status).toBe(200)
        expect(res.headers.get("x-ratelimit-limit")).toBe("1")
        countdown.push(remaining(res))
      }
      expect(countdown).toStrictEqual(["4", "3", "2", "1", "0"])

      for (const base of [a, b]) {
        const over = yield* sendTo(base, key)
        expect(over.status).toBe(429)
        // One token a minute: the next one is 60 s away, whichever instance is asked.
        expect(over.headers.get("retry-after")).toBe("60")
        expect(remaining(over)).toBe("0")
        expect(over.json).toStrictEqual({
          error: { code: "RATE_LIMIT_EXCEEDED", message: "Too many requests", details: { retryAfter: 60 } }
        })
      }
      // Another key has a bucket of its own.
      expect(remaining(yield* sendTo(b, as("sk_test_other")))).toBe("4")
    }))

  it.scopedLive("Redis holds a SHA-256 digest of the bucket's key, never the API key", () =>
    Effect.gen(function*() {
      const [a, , redis, prefix] = yield* twoInstancesSharingRedis({ tiers: { t: { perMinute: 1, burst: 3 } }, identify: onTier("t") })
      const secret = "sk_live_never_in_redis_7f1c"
      expect(remaining(yield* sendTo(a, as(secret)))).toBe("2")

      const client = yield* Effect.acquireRelease(
        Effect.sync(() => new Redis(redis.url)),
        (c) => Effect.promise(() => c.quit())
      )
      const keys = yield* Effect.promise(() => client.keys(`${prefix}*`))
      expect(keys).toStrictEqual([prefix + createHash("sha256").update(`key:${secret}`).digest("hex")])
      const bucket = yield* Effect.promise(() => client.hgetall(keys[0] ?? ""))
      expect(Object.keys(bucket).sort()).toStrictEqual(["refill", "tokens"])
      expect(JSON.stringify(bucket)).not.toContain(secret)
    }))

  it.scopedLive("200 concurrent requests over two instances on a burst of 150: exactly 150 pass", () =>
    Effect.gen(function*() {
      const [a, b] = yield* twoInstancesSharingRedis({
        tiers: { pro: { perMinute: 1, burst: 150 } },
        identify: onTier("pro")
      })

      const key = as("sk_test_concurrent")
      const responses = yield* Effect.forEach(
        Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b)),
        (base) => sendTo(base, key),
        { concurrency: "unbounded" }
      )
      const passed = responses.filter((res) => res.status === 200)
      const refused = responses.filter((res) => res.status === 429)
      expect({ passed: passed.length, refused: refused.length }).toStrictEqual({ passed: 150, refused: 50 })
      // Each token was taken once: the 150 successes saw every count from 149 down to 0 once.
      const counts = passed.map((res) => Number(remaining(res))).sort((x, y) => x - y)
      expect(counts).toStrictEqual(Array.from({ length: 150 }, (_, i) => i))
      for (const res of refused) expect(res.headers.get("retry-after")).toBe("60")
    }))

  it.scopedLive("layerConfig reads ERRATA_REDIS_URL and ERRATA_REDIS_PREFIX; a URL that is not redis:// is a ConfigError", () =>
    Effect.gen(function*() {
      const redis = yield* redisServer
      const options = { tiers: { t: { perMinute: 1, burst: 3 } }, identify: onTier("t") }
      const fromEnv = ConfigProvider.fromMap(
        new Map([["ERRATA_REDIS_URL", redis.url], ["ERRATA_REDIS_PREFIX", uniquePrefix()]])
      )
      const base = yield* Effect.withConfigProvider(instance(options, RateLimitRedis.layerConfig()), fromEnv)
      const again = yield* Effect.withConfigProvider(instance(options, RateLimitRedis.layerConfig()), fromEnv)
      expect(remaining(yield* sendTo(base, as("sk_test_config")))).toBe("2")
      expect(remaining(yield* sendTo(again, as("sk_test_config")))).toBe("1")

      const wrong = yield* Effect.flip(Effect.withConfigProvider(
        Layer.build(RateLimitRedis.layerConfig()),
        ConfigProvider.fromMap(new Map([["ERRATA_REDIS_URL", "http://127.0.0.1:6379"]]))
      ))
      expect(String(wrong)).toContain("ERRATA_REDIS_URL")
      expect(String(wrong)).toContain("redis://")
    }))
})

describe("RateLimitRedis.layer: Redis memory is bounded", () => {
  const client = (url: string) =>
    Effect.acquireRelease(Effect.sync(() => new Redis(url)), (c) => Effect.promise(() => c.quit()))

  it.scopedLive("every bucket key expires: a token bucket once it is full again, a fixed window with its window", () =>
    Effect.gen(function*() {
      const redis = yield* redisServer
      const prefix = uniquePrefix()
      const limiter = Context.get(yield* Layer.build(RateLimitRedis.layer({ url: redis.url, prefix })), RateLimiter.RateLimiter)
      const inspect = yield* client(redis.url)
      // Burst 3, a token every 100 ms: one taken, full again 100 ms later; the key lives one refill more.
      yield* limiter.consume({ algorithm: "token-bucket", key: "bucket", limit: 3, window: "300 millis" })
      yield* limiter.consume({ algorithm: "fixed-window", key: "window", limit: 3, window: "300 millis" })
      const keys = yield* Effect.promise(() => inspect.keys(`${prefix}*`))
      expect(keys).toHaveLength(2)
      for (const key of keys) {
        const ttl = yield* Effect.promise(() => inspect.pttl(key))
        expect(ttl).toBeGreaterThan(0)
        expect(ttl).toBeLessThanOrEqual(200)
      }
      yield* Effect.sleep("350 millis")
      expect(yield* Effect.promise(() => inspect.keys(`${prefix}*`))).toStrictEqual([])
    }))

  it.scopedLive("25 made-up keys leave one throttled bucket per address, and no key without a TTL", () =>
    Effect.gen(function*() {
      const redis = yield* redisServer
      const prefix = uniquePrefix()
      const identify = (request: HttpServerRequest.HttpServerRequest) =>
        RateLimit.apiKey(request) === "sk_live_valid"
          ? Effect.succeed<RateLimit.Identity>({ tier: "starter" })
          : Effect.fail(new ApiError.Unauthorized({ message: "API key missing or invalid" }))
      const base = yield* instance({ identify }, RateLimitRedis.layer({ url: redis.url, prefix }))
      const statuses: Array<number> = []
      for (let i = 0; i < 25; i++) statuses.push((yield* sendTo(base, as(`sk_live_made_up_${i}`))).status)
      expect(statuses).toStrictEqual([...Array.from({ length: 15 }, () => 401), ...Array.from({ length: 10 }, () => 429)])
      expect(remaining(yield* sendTo(base, as("sk_live_valid")))).toBe("44")

      const inspect = yield* client(redis.url)
      const keys = yield* Effect.promise(() => inspect.keys(`${prefix}*`))
      // The address's unauthenticated bucket and the valid key's.
      expect(keys).toHaveLength(2)
      for (const key of keys) {
        const ttl = yield* Effect.promise(() => inspect.pttl(key))
        // At most Free's or Starter's whole burst (90 s) and one refill.
        expect(ttl).toBeGreaterThan(0)
        expect(ttl).toBeLessThanOrEqual(96_000)
      }
    }))
})

describe("RateLimitRedis.layer: when Redis is unreachable", () => {
  it.scopedLive("fail-open: Redis stopped, requests are served without headers within the timeout, one warning; then counted again", () =>
    Effect.gen(function*() {
      const redis = yield* redisServer
      const logs = captureWarnings()
      const base = yield* instance(
        { onStoreError: "allow", warnInterval: "60 seconds" },
        RateLimitRedis.layer({ url: redis.url, prefix: uniquePrefix(), timeout: `${STORE_TIMEOUT} millis` }),
        logs.layer
      )
      const key = as("sk_test_open")
      expect(remaining(yield* sendTo(base, key))).toBe("14")

      yield* redis.stop
      const [first, firstMillis] = yield* timed(sendTo(base, key))
      const [second, secondMillis] = yield* timed(sendTo(base, key))
      for (const [res, millis] of [[first, firstMillis], [second, secondMillis]] as const) {
        expect(res.status).toBe(200)
        expect(res.text).toBe("ok")
        expect(remaining(res)).toBeNull()
        expect(res.headers.get("x-ratelimit-limit")).toBeNull()
        expect(millis).toBeLessThan(STORE_TIMEOUT + MARGIN)
      }
      expect(logs.lines).toHaveLength(1)
      expect(logs.lines[0]).toMatch(/rate-limit store unavailable .*serving requests without a limit \(onStoreError: "allow"\)/)

      yield* redis.start
      // An empty Redis: a new bucket, counted from the top.
      expect(remaining(yield* untilCounted(base, key))).toBe("14")
    }))

  it.scopedLive("fail-closed: Redis stopped, requests get SERVICE_UNAVAILABLE in the wire format within the timeout", () =>
    Effect.gen(function*() {
      const redis = yield* redisServer
      const logs = captureWarnings()
      const base = yield* instance(
        { onStoreError: "reject" },
        RateLimitRedis.layer({ url: redis.url, prefix: uniquePrefix(), timeout: `${STORE_TIMEOUT} millis` }),
        logs.layer
      )
      const key = as("sk_test_closed")
      expect((yield* sendTo(base, key)).status).toBe(200)

      yield* redis.stop
      for (let i = 0; i < 2; i++) {
        const [res, millis] = yield* timed(sendTo(base, key))
        expect(res.status).toBe(503)
        expect(res.headers.get("content-type")).toBe("application/json")
        expect(res.headers.get("x-request-id")).not.toBeNull()
        expect(remaining(res)).toBeNull()
        expect(res.json).toStrictEqual({ error: { code: "SERVICE_UNAVAILABLE", message: "Temporary outage" } })
        expect(millis).toBeLessThan(STORE_TIMEOUT + MARGIN)
      }
      expect(logs.lines).toHaveLength(1)
      expect(logs.lines[0]).toMatch(/answering SERVICE_UNAVAILABLE \(onStoreError: "reject"\)/)

      yield* redis.start
      expect((yield* untilCounted(base, key)).status).toBe(200)
    }))

  it.scopedLive("a Redis that stops answering (frozen) costs a request the timeout, no more, under both policies", () =>
    Effect.gen(function*() {
      const redis = yield* redisServer
      const prefix = uniquePrefix()
      const logs = captureWarnings()
      const open = yield* instance(
        { onStoreError: "allow" },
        RateLimitRedis.layer({ url: redis.url, prefix, timeout: `${STORE_TIMEOUT} millis` }),
        logs.layer
      )
      const closed = yield* instance(
        { onStoreError: "reject" },
        RateLimitRedis.layer({ url: redis.url, prefix, timeout: `${STORE_TIMEOUT} millis` }),
        logs.layer
      )
      const key = as("sk_test_frozen")
      expect(remaining(yield* sendTo(open, key))).toBe("14")

      yield* redis.pause
      const [[served, servedMillis], [refused, refusedMillis]] = yield* Effect.all(
        [timed(sendTo(open, key)), timed(sendTo(closed, key))],
        { concurrency: 2 }
      ).pipe(Effect.ensuring(redis.resume))
      expect(served.status).toBe(200)
      expect(remaining(served)).toBeNull()
      expect(refused.status).toBe(503)
      for (const millis of [servedMillis, refusedMillis]) {
        // The store was waited for, then given up on.
        expect(millis).toBeGreaterThanOrEqual(STORE_TIMEOUT - 10)
        expect(millis).toBeLessThan(STORE_TIMEOUT + MARGIN)
      }
      expect(logs.lines).toHaveLength(2)
      for (const line of logs.lines) expect(line).toContain(`no answer within ${STORE_TIMEOUT} ms (timeout)`)
      // Thawed: the same connection answers again (the client drops an unanswered command only
      // after 2 s, so that was not what bounded the wait). The two abandoned calls reached
      // Redis and were counted late; the store cannot take them back.
      expect((yield* untilCounted(closed, key)).status).toBe(200)
    }))

  it.scopedLive("a server started while Redis is down starts within connectTimeout and counts once Redis is up", () =>
    Effect.gen(function*() {
      const redis = yield* redisServer
      yield* redis.stop
      const logs = captureWarnings()
      const [base, startMillis] = yield* timed(instance(
        { onStoreError: "allow" },
        RateLimitRedis.layer({ url: redis.url, prefix: uniquePrefix(), connectTimeout: "300 millis" }),
        logs.layer
      ))
      expect(startMillis).toBeLessThan(300 + MARGIN)
      expect(logs.lines[0]).toMatch(/Redis rate-limit store not reachable at start/)
      const key = as("sk_test_late")
      const early = yield* sendTo(base, key)
      expect(early.status).toBe(200)
      expect(remaining(early)).toBeNull()

      yield* redis.start
      expect(remaining(yield* untilCounted(base, key))).toBe("14")
    }))
})

// A store that never answers and says when it was asked, and one that always fails.
const hangingStore = (asked: Deferred.Deferred<void>) =>
  RateLimit.layerStore(
    Layer.succeed(RateLimiter.RateLimiterStore, {
      fixedWindow: () => Effect.zipRight(Deferred.succeed(asked, undefined), Effect.never),
      tokenBucket: () => Effect.zipRight(Deferred.succeed(asked, undefined), Effect.never)
    }),
    { timeout: "2 seconds" }
  )

const failingStore = RateLimit.layerStore(Layer.succeed(RateLimiter.RateLimiterStore, {
  fixedWindow: () => Effect.fail(new RateLimiter.RateLimitStoreError({ message: "store down" })),
  tokenBucket: () => Effect.fail(new RateLimiter.RateLimitStoreError({ message: "store down" }))
}))

/** Real time passing, under the TestClock: room for a response that should not come. */
const realPause = (millis: number) => Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, millis)))

describe("RateLimit store failures, on Effect's Clock", () => {
  it.scoped("timeout: a store that never answers is given up on after the timeout, under each policy", () =>
    Effect.gen(function*() {
      for (const policy of ["allow", "reject"] as const) {
        const asked = yield* Deferred.make<void>()
        const base = yield* instance({ onStoreError: policy }, hangingStore(asked))
        const pending = yield* Effect.fork(sendTo(base, as("sk_test_hanging")))
        yield* Deferred.await(asked)
        yield* TestClock.adjust("1999 millis")
        yield* realPause(50)
        expect(Option.isNone(yield* Fiber.poll(pending))).toBe(true)
        yield* TestClock.adjust("1 millis")
        const res = yield* Fiber.join(pending)
        expect(res.status).toBe(policy === "allow" ? 200 : 503)
        expect(remaining(res)).toBeNull()
      }
    }))

  it.scoped("warnInterval: one warning per interval, and the next one counts the failures in between", () =>
    Effect.gen(function*() {
      const logs = captureWarnings()
      const base = yield* instance({ warnInterval: "60 seconds" }, failingStore, logs.layer)
      for (let i = 0; i < 3; i++) expect((yield* sendTo(base, as("sk_test_warn"))).status).toBe(200)
      expect(logs.lines).toHaveLength(1)
      expect(logs.lines[0]).toMatch(/^errata: rate-limit store unavailable \(store down\); serving requests without a limit/)
      yield* TestClock.adjust("59 seconds")
      yield* sendTo(base, as("sk_test_warn"))
      expect(logs.lines).toHaveLength(1)
      yield* TestClock.adjust("1 second")
      yield* sendTo(base, as("sk_test_warn"))
      expect(logs.lines).toHaveLength(2)
      expect(logs.lines[1]).toMatch(/; 3 more since the last warning$/)
    }))
})
