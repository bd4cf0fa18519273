/**
 * The Redis store with a real redis-server on a free port (a test fails, never skips, when it
 * cannot start one): instances that share one Redis share the limit, the keys and the script are
 * the Effect 3 edition's (`@errata/dialect`'s `RateLimitScript`), Redis memory is bounded, the
 * adaptive state lives in Redis too, and the store-failure policy holds within the timeout when
 * Redis stops or stops answering.
 */
import * as RateLimitScript from "@errata/dialect/RateLimitScript"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Context, Duration, Effect, Layer, Logger, type Scope } from "effect"
import { HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "effect/http"
import { RateLimiter } from "effect/persistence"
import { ApiError } from "errata"
import { Redis } from "ioredis"
import { type ChildProcess, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import * as Net from "node:net"
import * as RateLimit from "../../src/server/RateLimit.js"
import * as RateLimitRedis from "../../src/server/RateLimitRedis.js"
import * as ServerErrors from "../../src/server/ServerErrors.js"
import type { Received } from "./support/Serve.js"
import { BaseUrl, errataServer, send } from "./support/Serve.js"

// --- A real redis-server ------------------------------------------------------------------

interface RedisServer {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string
  /** Stops the server (SIGTERM) and waits until it is gone: clients see the connection close. */
  readonly stop: Effect.Effect<void>
  /** Starts it again on the same port, empty, and waits until it answers PING. */
  readonly start: Effect.Effect<void>
  /** Freezes the process (SIGSTOP): connections stay open and nothing is answered. */
  readonly pause: Effect.Effect<void>
  /** Thaws a paused server (SIGCONT). */
  readonly resume: Effect.Effect<void>
}

const binary = process.env["REDIS_SERVER"] ?? "redis-server"

const cannotStart = (reason: string) =>
  new Error(
    `redis-server could not be started (${reason}). The Redis rate-limit tests need it and do not skip: ` +
      `install it (scripts/test-prerequisites.sh) or set REDIS_SERVER.`
  )

const freePort = Effect.callback<number, string>((resume) => {
  const server = Net.createServer()
  server.once("error", (error) => resume(Effect.fail(`no free port: ${error.message}`)))
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** One PING on a raw socket; succeeds on +PONG. */
const ping = (port: number) =>
  Effect.callback<void, string>((resume) => {
    const socket = Net.connect(port, "127.0.0.1")
    let reply = ""
    socket.setTimeout(500, () => socket.destroy(new Error("no reply to PING")))
    socket.on("connect", () => socket.write("PING\r\n"))
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1")
      if (reply.includes("\r\n")) {
        socket.end()
        resume(reply.startsWith("+PONG") ? Effect.void : Effect.fail(`PING answered ${reply.trim()}`))
      }
    })
    socket.on("error", (error) => resume(Effect.fail(error.message)))
    return Effect.sync(() => socket.destroy())
  })

const exited = (child: ChildProcess) =>
  Effect.callback<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
  })

/** Spawns redis-server on `port` and waits (at most 5 s) until it answers; fails with why not. */
const launch = (port: number) =>
  Effect.gen(function*() {
    const child = spawn(
      binary,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"],
      { stdio: ["ignore", "ignore", "pipe"] }
    )
    let stderr = ""
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-2000)
    })
    const failed = Effect.callback<never, string>((resume) => {
      const onError = (error: Error) => resume(Effect.fail(error.message))
      const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
        resume(Effect.fail(`exited with ${signal ?? `code ${code}`}${stderr === "" ? "" : `: ${stderr.trim()}`}`))
      child.once("error", onError)
      child.once("exit", onExit)
      return Effect.sync(() => {
        child.off("error", onError)
        child.off("exit", onExit)
      })
    })
    const answering = Effect.retry(Effect.andThen(Effect.sleep("20 millis"), ping(port)), { times: 250 })
    const up = yield* Effect.result(Effect.raceFirst(answering, failed))
    if (up._tag === "Failure") {
      child.kill("SIGKILL")
      return yield* Effect.fail(up.failure)
    }
    return child
  })

const kill = (child: ChildProcess, signal: NodeJS.Signals) =>
  Effect.suspend(() => {
    child.kill(signal)
    return exited(child)
  })

/** A running redis-server for the current scope; the test dies with the reason when it cannot start. */
const redisServer: Effect.Effect<RedisServer, never, Scope.Scope> = Effect.gen(function*() {
  let port = 0
  let child: ChildProcess | undefined
  for (let attempt = 1; child === undefined; attempt++) {
    port = yield* Effect.orDie(Effect.mapError(freePort, cannotStart))
    const launched = yield* Effect.result(launch(port))
    if (launched._tag === "Success") child = launched.success
    else if (attempt === 3) return yield* Effect.die(cannotStart(launched.failure))
  }
  let current: ChildProcess = child
  // Should the test process die without closing the scope, the server must not outlive it.
  const onExit = () => current.kill("SIGKILL")
  process.once("exit", onExit)
  yield* Effect.addFinalizer(() =>
    Effect.suspend(() => {
      process.off("exit", onExit)
      current.kill("SIGCONT")
      return kill(current, "SIGKILL")
    })
  )
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: Effect.suspend(() => {
      current.kill("SIGCONT")
      return kill(current, "SIGTERM")
    }),
    start: Effect.gen(function*() {
      current = yield* Effect.orDie(Effect.mapError(launch(port), cannotStart))
    }),
    pause: Effect.sync(() => {
      current.kill("SIGSTOP")
    }),
    resume: Effect.sync(() => {
      current.kill("SIGCONT")
    })
  }
})

/** A plain ioredis client, to look into Redis and to run the Effect 3 edition's store's calls. */
const client = (url: string) =>
  Effect.acquireRelease(Effect.sync(() => new Redis(url)), (c) => Effect.promise(() => c.quit()))

const redisCall = <A>(f: () => Promise<A>) => Effect.promise(f)

// --- Servers ------------------------------------------------------------------------------

const quiet = { disableListenLog: true, disableLogger: true } as const

const baseUrl = Layer.effectContext(
  Effect.flatMap(HttpServer.HttpServer, (server) =>
    server.address._tag === "UnixPathAddress"
      ? Effect.die(new Error("expected a TCP address"))
      : Effect.succeed(Context.make(BaseUrl, `http://127.0.0.1:${server.address.port}`)))
)

const ok = HttpServerResponse.text("ok")

/** Every client on one tier, each API key its own bucket. */
const onTier = (tier: string) => () => Effect.succeed<RateLimit.Identity>({ tier })

/** Warnings and errors logged by a server, as text. */
const captureWarnings = () => {
  const lines: Array<string> = []
  const logger = Logger.make(({ logLevel, message }) => {
    if (logLevel === "Warn" || logLevel === "Error" || logLevel === "Fatal") {
      lines.push(Array.isArray(message) ? message.map(String).join(" ") : String(message))
    }
  })
  return { lines, layer: Logger.layer([logger]) }
}

/** One server instance on its own port with its own limiter layer; gives its base URL. */
const instance = <E, IE = never>(
  options: RateLimit.Options<IE>,
  limiter: Layer.Layer<RateLimiter.RateLimiter, E>,
  logs: Layer.Layer<never> = Layer.empty
) =>
  Effect.map(
    Layer.build(
      Layer.mergeAll(
        HttpRouter.serve(Layer.mergeAll(HttpRouter.add("GET", "/ok", ok), RateLimit.layer(options).pipe(Layer.provideMerge(ServerErrors.layer()))), quiet),
        baseUrl
      ).pipe(Layer.provide(errataServer()), Layer.provide(limiter), Layer.provide(logs))
    ),
    (context) => Context.get(context, BaseUrl)
  )

let prefixCount = 0
const uniquePrefix = () => `errata-test:${process.pid}:${Date.now()}:${++prefixCount}:`

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

const remaining = (res: Received) => res.headers.get("x-ratelimit-remaining")

/** Sends until the response carries rate-limit headers again (Redis back), at most 40 times. */
const untilCounted = (base: string, init: RequestInit) =>
  Effect.gen(function*() {
    for (let attempt = 0; attempt < 40; attempt++) {
      const res = yield* sendTo(base, init)
      if (remaining(res) !== null) return res
      yield* Effect.sleep("100 millis")
    }
    return yield* Effect.die(new Error("the limiter did not count again within 4 s of Redis coming back"))
  })

const STORE_TIMEOUT = 250
// What a request may take beyond the store's timeout on a loaded CI machine (fetch, the server, logging).
const MARGIN = 1000

/**
 * One token taken from a bucket exactly as the Effect 3 edition's store takes it
 * (`packages/server/src/internal/redis.ts`): EVALSHA of the dialect's token-bucket script on the
 * dialect's key, with the dialect's arguments. The reply is the tokens left.
 */
const effect3Take = (redis: Redis, prefix: string, bucket: string, tier: RateLimit.Tier) =>
  redisCall(async () => {
    const sha = await RateLimitScript.sha(RateLimitScript.tokenBucket)
    const key = await RateLimitScript.key(prefix, bucket)
    const args = RateLimitScript.tokenBucketArguments({
      tokens: 1,
      refillMillis: 60_000 / tier.perMinute,
      limit: tier.burst,
      allowOverflow: false
    })
    return redis.evalsha(sha, 1, key, ...args).catch(() => redis.eval(RateLimitScript.tokenBucket, 1, key, ...args))
  })

describe("RateLimitRedis.layer: instances that share one Redis share the limit", () => {
  it.live("a key over its limit is refused by both instances together; the headers count across them", () =>
    Effect.gen(function*() {
      const [a, b] = yield* twoInstancesSharingRedis({ tiers: { shared: { perMinute: 1, burst: 5 } }, identify: onTier("shared") })
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
        // One token a minute: the next one is a minute (less the few ms since the refill) away.
        expect(over.headers.get("retry-after")).toBe("60")
        expect(remaining(over)).toBe("0")
        expect(over.json).toStrictEqual({
          error: { code: "RATE_LIMIT_EXCEEDED", message: "Too many requests", details: { retryAfter: 60 } }
        })
      }
      // Another key has a bucket of its own.
      expect(remaining(yield* sendTo(b, as("sk_test_other")))).toBe("4")
    }))

  it.live("200 concurrent requests over two instances on a burst of 150: exactly 150 pass", () =>
    Effect.gen(function*() {
      const [a, b] = yield* twoInstancesSharingRedis({ tiers: { pro: { perMinute: 1, burst: 150 } }, identify: onTier("pro") })
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

  it.live("layerConfig reads ERRATA_REDIS_URL and ERRATA_REDIS_PREFIX; a URL that is not redis:// is a ConfigError", () =>
    Effect.gen(function*() {
      const redis = yield* redisServer
      const options = { tiers: { t: { perMinute: 1, burst: 3 } }, identify: onTier("t") }
      const fromEnv = ConfigProvider.fromEnv({ env: { ERRATA_REDIS_URL: redis.url, ERRATA_REDIS_PREFIX: uniquePrefix() } })
      const withEnv = <A, E, R>(effect: Effect.Effect<A, E, R>, provider: ConfigProvider.ConfigProvider) =>
        Effect.provideService(effect, ConfigProvider.ConfigProvider, provider)
      const base = yield* withEnv(instance(options, RateLimitRedis.layerConfig()), fromEnv)
      const again = yield* withEnv(instance(options, RateLimitRedis.layerConfig()), fromEnv)
      expect(remaining(yield* sendTo(base, as("sk_test_config")))).toBe("2")
      expect(remaining(yield* sendTo(again, as("sk_test_config")))).toBe("1")

      const wrong = yield* Effect.flip(
        withEnv(Layer.build(RateLimitRedis.layerConfig()), ConfigProvider.fromEnv({ env: { ERRATA_REDIS_URL: "http://127.0.0.1:6379" } }))
      )
      expect(String(wrong)).toContain("ERRATA_REDIS_URL")
      expect(String(wrong)).toContain("redis://")
    }))
})

describe("RateLimitRedis.layer and the Effect 3 edition's store: the same keys, the same script", () => {
  it.live("Redis holds the dialect's key, a SHA-256 digest of the bucket's key, and runs the dialect's script", () =>
    Effect.gen(function*() {
      const [a, , redis, prefix] = yield* twoInstancesSharingRedis({ tiers: { t: { perMinute: 1, burst: 3 } }, identify: onTier("t") })
      const secret = "sk_live_never_in_redis_7f1c"
      expect(remaining(yield* sendTo(a, as(secret)))).toBe("2")

      const inspect = yield* client(redis.url)
      const keys = yield* redisCall(() => inspect.keys(`${prefix}*`))
      const expected = prefix + createHash("sha256").update(`key:${secret}`).digest("hex")
      expect(keys).toStrictEqual([expected])
      expect(yield* redisCall(() => RateLimitScript.key(prefix, `key:${secret}`))).toBe(expected)
      const bucket = yield* redisCall(() => inspect.hgetall(expected))
      expect(Object.keys(bucket).sort()).toStrictEqual(["refill", "tokens"])
      expect(bucket["tokens"]).toBe("2")
      expect(JSON.stringify(bucket)).not.toContain(secret)

      // The script Redis ran is the dialect's, by the SHA-1 Redis itself gives it.
      const sha = yield* redisCall(() => RateLimitScript.sha(RateLimitScript.tokenBucket))
      expect(yield* redisCall(() => inspect.script("EXISTS", sha))).toStrictEqual([1])
      expect(yield* redisCall(() => inspect.script("LOAD", RateLimitScript.tokenBucket))).toBe(sha)
    }))

  it.live("a token taken the Effect 3 edition's way is seen by this edition's headers, and the other way round", () =>
    Effect.gen(function*() {
      const tier = { perMinute: 1, burst: 5 }
      const [a, , redis, prefix] = yield* twoInstancesSharingRedis({ tiers: { t: tier }, identify: onTier("t") })
      const effect3 = yield* client(redis.url)
      const bucket = "key:sk_test_both_editions"
      // Effect 3 takes two, Effect 4 sees 2 left after its own; Effect 3 then sees 1 left after its.
      expect(yield* effect3Take(effect3, prefix, bucket, tier)).toBe(4)
      expect(yield* effect3Take(effect3, prefix, bucket, tier)).toBe(3)
      expect(remaining(yield* sendTo(a, as("sk_test_both_editions")))).toBe("2")
      expect(yield* effect3Take(effect3, prefix, bucket, tier)).toBe(1)
      expect(remaining(yield* sendTo(a, as("sk_test_both_editions")))).toBe("0")
      // Empty for both: the script's refusal, and this edition's 429.
      expect(yield* effect3Take(effect3, prefix, bucket, tier)).toBe(-1)
      expect((yield* sendTo(a, as("sk_test_both_editions"))).status).toBe(429)
    }))

  it.live("a Redis that forgot its scripts (a restart, SCRIPT FLUSH) is sent the script itself, in the transaction too", () =>
    Effect.gen(function*() {
      const [a, , redis] = yield* twoInstancesSharingRedis({ tiers: { t: { perMinute: 1, burst: 3 } }, identify: onTier("t") })
      const inspect = yield* client(redis.url)
      expect(remaining(yield* sendTo(a, as("sk_test_flush")))).toBe("2")
      yield* redisCall(() => inspect.script("FLUSH"))
      expect(remaining(yield* sendTo(a, as("sk_test_flush")))).toBe("1")
      const sha = yield* redisCall(() => RateLimitScript.sha(RateLimitScript.tokenBucket))
      expect(yield* redisCall(() => inspect.script("EXISTS", sha))).toStrictEqual([1])
    }))
})

describe("RateLimitRedis.layer: the store's answers", () => {
  const limiterOn = (url: string, prefix: string) =>
    Effect.map(Layer.build(RateLimitRedis.layer({ url, prefix })), (context) => Context.get(context, RateLimiter.RateLimiter))

  it.live("resetAfter and the wait count the time since the bucket's last refill, read in the same transaction", () =>
    Effect.gen(function*() {
      const redis = yield* redisServer
      const limiter = yield* limiterOn(redis.url, uniquePrefix())
      // Burst 3, a token every 400 ms.
      const options = { algorithm: "token-bucket", key: "timed", limit: 3, window: "1200 millis", onExceeded: "fail" } as const
      const first = yield* limiter.consume(options)
      expect(first.remaining).toBe(2)
      expect(Duration.toMillis(first.resetAfter)).toBeGreaterThan(390)
      expect(Duration.toMillis(first.resetAfter)).toBeLessThanOrEqual(400)
      yield* Effect.sleep("150 millis")
      const second = yield* limiter.consume(options)
      expect(second.remaining).toBe(1)
      // Two tokens owed, 150 ms into the interval: 800 − 150.
      expect(Duration.toMillis(second.resetAfter)).toBeGreaterThan(600)
      expect(Duration.toMillis(second.resetAfter)).toBeLessThanOrEqual(655)
      yield* limiter.consume(options)
      const refused = yield* Effect.flip(limiter.consume(options))
      expect(refused.reason._tag).toBe("RateLimitExceeded")
      const wait = refused.reason._tag === "RateLimitExceeded" ? Duration.toMillis(refused.reason.retryAfter) : 0
      expect(wait).toBeGreaterThan(150)
      expect(wait).toBeLessThanOrEqual(255)
    }))

  it.live("the adaptive state: cooldown for the Retry-After, learning, learned, in Redis, with a TTL", () =>
    Effect.gen(function*() {
      const redis = yield* redisServer
      const prefix = uniquePrefix()
      const limiter = yield* limiterOn(redis.url, prefix)
      const inspect = yield* client(redis.url)
      const consume = limiter.adaptiveConsume({ key: "api.example", tokens: 1, fallbackLimit: 10, fallbackWindow: Duration.seconds(10) })
      const feedback = (epoch: number, status: number, retryAfter: Duration.Duration | undefined) =>
        limiter.adaptiveFeedback({ key: "api.example", epoch, tokens: 1, status, retryAfter })

      expect(yield* consume).toStrictEqual({ delay: Duration.zero, epoch: 0, phase: "inactive" })
      // Nothing to learn from a 200 or a 429 without a wait: nothing is written.
      yield* feedback(0, 200, Duration.seconds(1))
      yield* feedback(0, 429, undefined)
      expect(yield* redisCall(() => inspect.keys(`${prefix}*`))).toStrictEqual([])

      yield* feedback(0, 429, Duration.millis(300))
      const key = (yield* redisCall(() => RateLimitScript.key(prefix, "api.example"))) + ":adaptive"
      expect(yield* redisCall(() => inspect.keys(`${prefix}*`))).toStrictEqual([key])
      const ttl = yield* redisCall(() => inspect.pttl(key))
      expect(ttl).toBeGreaterThan(60_000)
      expect(ttl).toBeLessThanOrEqual(60_300)
      const cooling = yield* consume
      expect(cooling.phase).toBe("cooldown")
      expect(Duration.toMillis(cooling.delay)).toBeGreaterThan(250)
      expect(Duration.toMillis(cooling.delay)).toBeLessThanOrEqual(300)

      yield* Effect.sleep("320 millis")
      expect(yield* consume).toStrictEqual({ delay: Duration.zero, epoch: 1, phase: "learning" })
      expect((yield* consume).phase).toBe("learning")
      expect((yield* consume).phase).toBe("learning")
      // A stale epoch's 429 is ignored; the current one's ends the learning: two of three got through.
      yield* feedback(0, 429, Duration.seconds(5))
      expect((yield* consume).phase).toBe("learning")
      yield* feedback(1, 429, Duration.millis(500))
      const learned = yield* consume
      expect(learned.phase).toBe("learned")
      expect(learned.epoch).toBe(2)
      // Learned: 3 requests per (the learning time + 500 ms) window; the fourth waits for its end.
      expect(Duration.toMillis(learned.delay)).toBeGreaterThan(400)
      expect(Duration.toMillis(learned.delay)).toBeLessThanOrEqual(600)
      const state = yield* redisCall(() => inspect.hgetall(key))
      expect(state["phase"]).toBe("learned")
      expect(state["learnedLimit"]).toBe("3")

      // A 429 while learned: back to cooldown.
      yield* feedback(2, 429, Duration.seconds(2))
      const again = yield* consume
      expect(again.phase).toBe("cooldown")
      expect(again.epoch).toBe(2)
    }))
})

describe("RateLimitRedis.layer: Redis memory is bounded", () => {
  it.live("every bucket key expires: a token bucket once it is full again, a fixed window with its window", () =>
    Effect.gen(function*() {
      const redis = yield* redisServer
      const prefix = uniquePrefix()
      const limiter = Context.get(yield* Layer.build(RateLimitRedis.layer({ url: redis.url, prefix })), RateLimiter.RateLimiter)
      const inspect = yield* client(redis.url)
      // Burst 3, a token every 100 ms: one taken, full again 100 ms later; the key lives one refill more.
      yield* limiter.consume({ algorithm: "token-bucket", key: "bucket", limit: 3, window: "300 millis" })
      yield* limiter.consume({ algorithm: "fixed-window", key: "window", limit: 3, window: "300 millis" })
      const keys = yield* redisCall(() => inspect.keys(`${prefix}*`))
      expect(keys).toHaveLength(2)
      for (const key of keys) {
        const ttl = yield* redisCall(() => inspect.pttl(key))
        expect(ttl).toBeGreaterThan(0)
        expect(ttl).toBeLessThanOrEqual(200)
      }
      yield* Effect.sleep("350 millis")
      expect(yield* redisCall(() => inspect.keys(`${prefix}*`))).toStrictEqual([])
    }))

  it.live("25 made-up keys leave one throttled bucket per address, and no key without a TTL", () =>
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
      const keys = yield* redisCall(() => inspect.keys(`${prefix}*`))
      // The address's unauthenticated bucket and the valid key's.
      expect(keys).toHaveLength(2)
      for (const key of keys) {
        const ttl = yield* redisCall(() => inspect.pttl(key))
        // At most Free's or Starter's whole burst (90 s) and one refill.
        expect(ttl).toBeGreaterThan(0)
        expect(ttl).toBeLessThanOrEqual(96_000)
      }
    }))
})

describe("RateLimitRedis.layer: when Redis is unreachable", () => {
  it.live("fail-open: Redis stopped, requests are served without headers within the timeout, one warning; then counted again", () =>
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

  it.live("fail-closed: Redis stopped, requests get SERVICE_UNAVAILABLE in the wire format within the timeout", () =>
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

  it.live("a Redis that stops answering (frozen) costs a request the timeout, no more, under both policies", () =>
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
      // after 2 s, so that was not what bounded the wait).
      expect((yield* untilCounted(closed, key)).status).toBe(200)
    }))

  it.live("a server started while Redis is down starts within connectTimeout and counts once Redis is up", () =>
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

  it.live("an URL that is not redis:// or rediss:// is a defect when the layer is built", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Layer.build(RateLimitRedis.layer({ url: "http://127.0.0.1:6379" })))
      expect(exit._tag === "Failure" && String(exit.cause)).toContain("must start with redis:// or rediss://")
    }))
})
