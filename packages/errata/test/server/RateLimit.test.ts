/**
 * `RateLimit` over real sockets, with the memory store, on the TestClock: the tiers and headers,
 * the 429 with Retry-After, the unauthenticated bucket of an address, the middleware in either
 * order, on `HttpApi`, and the store-failure policy (fail-open, fail-closed, the store's timeout,
 * one warning per interval).
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { Context, Deferred, Effect, Fiber, Layer, Logger, Option, Redacted, Schema } from "effect"
import { HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiError, HttpApiGroup, HttpApiMiddleware, HttpApiSecurity } from "effect/http-api"
import { RateLimiter } from "effect/persistence"
import { TestClock } from "effect/testing"
import { ApiError } from "errata"
import { CatalogErrors } from "errata/api"
import * as RateLimit from "../../src/server/RateLimit.js"
import * as ServerErrors from "../../src/server/ServerErrors.js"
import * as MemoryStore from "../../src/server/internal/memoryStore.js"
import { clientKey } from "../../src/server/internal/rateLimit.js"
import type { Received } from "./support/Serve.js"
import { BaseUrl, errataServer, send } from "./support/Serve.js"

const START = 1_700_000_000_000

const quiet = { disableListenLog: true, disableLogger: true } as const

const baseUrl = Layer.effectContext(
  Effect.flatMap(HttpServer.HttpServer, (server) =>
    server.address._tag === "UnixPathAddress"
      ? Effect.die(new Error("expected a TCP address"))
      : Effect.succeed(Context.make(BaseUrl, `http://127.0.0.1:${server.address.port}`)))
)

/** An app layer (routes and middlewares, in the order given) on errata's Node server on a free port. */
const serveApp = <E, R>(app: Layer.Layer<never, E, R>) =>
  Layer.mergeAll(HttpRouter.serve(app, quiet), baseUrl).pipe(Layer.provide(errataServer()))

const ok = HttpServerResponse.text("ok")
const tiny = { tiny: { perMinute: 60, burst: 3 }, slow: { perMinute: 10, burst: 2 } } as const

// The tier is read from a header here; a real server would look the key up. The bucket is the
// default one: the API key, else the address.
const identify = (request: HttpServerRequest.HttpServerRequest) =>
  request.headers["authorization"] === "Bearer sk_test_revoked"
    ? Effect.fail(new ApiError.Unauthorized({ message: "API key revoked" }))
    : Effect.succeed<RateLimit.Identity>({ tier: request.headers["x-tier"] ?? "tiny" })

const down = () =>
  Effect.fail(new RateLimiter.RateLimiterError({ reason: new RateLimiter.RateLimitStoreError({ message: "store down" }) }))

const failingStore = RateLimit.layerStore(
  Layer.succeed(RateLimiter.RateLimiterStore)({
    fixedWindow: down,
    tokenBucket: down,
    adaptiveConsume: down,
    adaptiveFeedback: down
  })
)

const as = (key: string, extra: Record<string, string> = {}): RequestInit => ({
  headers: { authorization: `Bearer ${key}`, ...extra }
})

const rate = (res: Received) => ({
  status: res.status,
  limit: res.headers.get("x-ratelimit-limit"),
  remaining: res.headers.get("x-ratelimit-remaining"),
  reset: res.headers.get("x-ratelimit-reset")
})

const seconds = (millis: number) => String(Math.ceil(millis / 1000))

const tooMany = (retryAfter: number) => ({
  error: { code: "RATE_LIMIT_EXCEEDED", message: "Too many requests", details: { retryAfter } }
})

const Routes = Layer.mergeAll(
  HttpRouter.add("GET", "/ok", ok),
  HttpRouter.add("GET", "/missing", Effect.fail(new ApiError.NotFound())),
  HttpRouter.add("GET", "/store-down/allow", Effect.succeed(ok).pipe(RateLimit.make({ identify, tiers: tiny }), Effect.provide(failingStore))),
  HttpRouter.add(
    "GET",
    "/store-down/reject",
    Effect.succeed(ok).pipe(RateLimit.make({ identify, tiers: tiny, onStoreError: "reject" }), Effect.provide(failingStore))
  )
)

// ServerErrors first: global middlewares wrap in the order they are built, the first outermost.
const server = serveApp(Layer.mergeAll(Routes, RateLimit.layer({ identify, tiers: tiny }).pipe(Layer.provideMerge(ServerErrors.layer())))).pipe(
  Layer.provide(RateLimit.layerMemory)
)

layer(server)("RateLimit.layer with the memory store", (it) => {
  it.effect("the headers count down, the request over the bucket gets 429 with Retry-After, and it refills", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(START)
      const key = "sk_test_countdown"
      // Burst 3, refill one token a second (60 per minute).
      expect(rate(yield* send("/ok", as(key)))).toStrictEqual({ status: 200, limit: "60", remaining: "2", reset: seconds(START + 1000) })
      expect(rate(yield* send("/ok", as(key)))).toStrictEqual({ status: 200, limit: "60", remaining: "1", reset: seconds(START + 2000) })
      expect(rate(yield* send("/ok", as(key)))).toStrictEqual({ status: 200, limit: "60", remaining: "0", reset: seconds(START + 3000) })
      const over = yield* send("/ok", as(key, { "x-request-id": "rl-1" }))
      expect(rate(over)).toStrictEqual({ status: 429, limit: "60", remaining: "0", reset: seconds(START + 3000) })
      expect(over.headers.get("retry-after")).toBe("1")
      expect(over.headers.get("content-type")).toBe("application/json")
      expect(over.headers.get("x-request-id")).toBe("rl-1")
      expect(over.json).toStrictEqual(tooMany(1))

      // 999 ms into the refill interval: 1 ms to the next token, still one whole second to say.
      yield* TestClock.adjust("999 millis")
      const almost = yield* send("/ok", as(key))
      expect(rate(almost)).toStrictEqual({ status: 429, limit: "60", remaining: "0", reset: seconds(START + 3000) })
      expect(almost.headers.get("retry-after")).toBe("1")
      yield* TestClock.adjust("1 millis")
      // The interval boundary advanced by one whole interval: full again at START + 4 s.
      expect(rate(yield* send("/ok", as(key)))).toStrictEqual({ status: 200, limit: "60", remaining: "0", reset: seconds(START + 4000) })
      expect((yield* send("/ok", as(key))).status).toBe(429)

      yield* TestClock.adjust("3 seconds")
      expect(rate(yield* send("/ok", as(key)))).toMatchObject({ status: 200, remaining: "2" })
    }))

  it.effect("Retry-After is the time until the next token, in whole seconds, never 0", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(START)
      const slow = as("sk_test_slow", { "x-tier": "slow" })
      expect(rate(yield* send("/ok", slow))).toMatchObject({ status: 200, limit: "10", remaining: "1" })
      expect(rate(yield* send("/ok", slow))).toMatchObject({ status: 200, remaining: "0" })
      const over = yield* send("/ok", slow)
      expect(over.status).toBe(429)
      // 10 per minute: one token every 6 s.
      expect(over.headers.get("retry-after")).toBe("6")
      expect(over.json).toStrictEqual(tooMany(6))
      // Into the interval, the wait shrinks: 6 s − 4.5 s is 1.5 s, said as 2.
      yield* TestClock.adjust("4500 millis")
      const later = yield* send("/ok", slow)
      expect(later.headers.get("retry-after")).toBe("2")
      expect(later.json).toStrictEqual(tooMany(2))
      yield* TestClock.adjust("1499 millis")
      expect((yield* send("/ok", slow)).headers.get("retry-after")).toBe("1")
      yield* TestClock.adjust("1 millis")
      expect((yield* send("/ok", slow)).status).toBe(200)
    }))

  it.effect("every API key and every anonymous address has its own bucket", () =>
    Effect.gen(function*() {
      for (let i = 0; i < 3; i++) yield* send("/ok", as("sk_test_busy"))
      expect((yield* send("/ok", as("sk_test_busy"))).status).toBe(429)
      expect(rate(yield* send("/ok", as("sk_test_quiet")))).toMatchObject({ status: 200, remaining: "2" })
      const anonymous = yield* send("/ok")
      expect(anonymous.status).toBe(200)
      expect(anonymous.headers.get("x-ratelimit-remaining")).not.toBeNull()
    }))

  it.effect("error responses carry the rate-limit headers too, unknown routes included", () =>
    Effect.gen(function*() {
      const res = yield* send("/missing", as("sk_test_errors"))
      expect(res.status).toBe(404)
      expect(rate(res)).toMatchObject({ limit: "60", remaining: "2" })
      const unknownRoute = yield* send("/no/such/route", as("sk_test_errors"))
      expect(rate(unknownRoute)).toMatchObject({ status: 404, remaining: "1" })
      expect(unknownRoute.json).toMatchObject({ error: { code: "NOT_FOUND" } })
    }))

  it.effect("a failing identify is answered by ServerErrors, and counted on the address", () =>
    Effect.gen(function*() {
      const res = yield* send("/ok", as("sk_test_revoked"))
      expect(res.status).toBe(401)
      expect(res.json).toStrictEqual({ error: { code: "UNAUTHORIZED", message: "API key revoked" } })
      // Free, the default unauthenticated tier: 15 a burst, 14 left.
      expect(rate(res)).toMatchObject({ limit: "10", remaining: "14" })
    }))

  it.effect("an unknown tier is a bug: INTERNAL_ERROR", () =>
    Effect.gen(function*() {
      const res = yield* send("/ok", as("sk_test_tierless", { "x-tier": "platinum" }))
      expect(res.status).toBe(500)
      expect(res.json).toStrictEqual({ error: { code: "INTERNAL_ERROR", message: "Unexpected server error" } })
    }))

  it.effect("when the store fails, requests go through uncounted by default, or get SERVICE_UNAVAILABLE", () =>
    Effect.gen(function*() {
      const allowed = yield* send("/store-down/allow", as("sk_test_store"))
      expect(allowed.status).toBe(200)
      // The outer limiter counted it (the memory store); the inner one, whose store is down, set nothing.
      expect(allowed.headers.get("x-ratelimit-remaining")).toBe("2")
      const rejected = yield* send("/store-down/reject", as("sk_test_store"))
      expect(rejected.status).toBe(503)
      expect(rejected.json).toStrictEqual({ error: { code: "SERVICE_UNAVAILABLE", message: "Temporary outage" } })
    }))
})

// The limiter outside ServerErrors: the 429 must still be complete, and 401s still counted.
const outside = serveApp(Layer.mergeAll(HttpRouter.add("GET", "/ok", ok), RateLimit.layer({ tiers: tiny, identify: () => Effect.succeed({ tier: "tiny" }) }), ServerErrors.layer()))
  .pipe(Layer.provide(RateLimit.layerMemory))

layer(outside)("RateLimit.layer outside ServerErrors.layer", (it) => {
  it.effect("the 429 is still the complete wire response with X-Request-ID", () =>
    Effect.gen(function*() {
      for (let i = 0; i < 3; i++) expect((yield* send("/ok", as("sk_test_outside"))).status).toBe(200)
      const over = yield* send("/ok", as("sk_test_outside", { "x-request-id": "outer" }))
      expect(over.status).toBe(429)
      expect(over.headers.get("retry-after")).toBe("1")
      expect(over.headers.get("x-request-id")).toBe("outer")
      expect(over.headers.get("x-ratelimit-remaining")).toBe("0")
      expect(over.json).toStrictEqual(tooMany(1))
    }))
})

// `identify` with a service of its own, provided to the layer.
class TierBook extends Context.Service<TierBook, (key: string | undefined) => string>()("test/TierBook") {}

const withBook = serveApp(
  Layer.mergeAll(
    HttpRouter.add("GET", "/ok", ok),
    ServerErrors.layer(),
    RateLimit.layer({
      identify: (request) => Effect.map(TierBook, (book) => ({ tier: book(RateLimit.apiKey(request)) }))
    })
  )
).pipe(
  Layer.provide(RateLimit.layerMemory),
  Layer.provide(Layer.succeed(TierBook)((key) => (key?.startsWith("sk_live_") === true ? "pro" : "free")))
)

layer(withBook)("RateLimit.layer with an identify that needs a service", (it) => {
  it.effect("the service is taken when the layer is built, and each request gets its tier", () =>
    Effect.gen(function*() {
      expect(rate(yield* send("/ok", as("sk_live_paying")))).toMatchObject({ status: 200, limit: "100", remaining: "149" })
      expect(rate(yield* send("/ok", as("sk_test_trying")))).toMatchObject({ status: 200, limit: "10", remaining: "14" })
    }))
})

// --- Strangers: made-up keys share their address's unauthenticated bucket --------------------

/** The keys a server has issued, with their tiers: every other key is made up. */
const issued: ReadonlyMap<string, string> = new Map([["sk_live_valid_key_0001", "starter"]])

const madeUp = (i: number) => `sk_live_made_up_${String(i).padStart(4, "0")}`

/**
 * 25 made-up keys from one address: the first 15 (Free's burst) are answered 401, the next 429 with
 * Retry-After, every one with the address's X-RateLimit-* headers; then the valid key is served
 * from its own bucket, and six seconds later a made-up key is answered 401 again.
 */
const guessingIsThrottled = (buckets: () => number) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(START)
    for (let i = 0; i < 25; i++) {
      const res = yield* send("/contacts", as(madeUp(i)))
      expect(res.headers.get("x-request-id")).not.toBeNull()
      expect(res.headers.get("x-ratelimit-reset")).toMatch(/^\d+$/)
      if (i < 15) {
        expect(rate(res)).toMatchObject({ status: 401, limit: "10", remaining: String(14 - i) })
        expect(res.json).toMatchObject({ error: { code: "UNAUTHORIZED" } })
      } else {
        expect(rate(res)).toMatchObject({ status: 429, limit: "10", remaining: "0" })
        // Free: a token every 6 s.
        expect(res.headers.get("retry-after")).toBe("6")
        expect(res.json).toStrictEqual(tooMany(6))
      }
    }
    const valid = yield* send("/contacts", as("sk_live_valid_key_0001"))
    expect(rate(valid)).toMatchObject({ status: 200, limit: "30", remaining: "44" })
    expect(valid.text).toBe("ok")
    // The address's bucket and the valid key's: none for the made-up keys.
    expect(buckets()).toBe(2)

    yield* TestClock.adjust("6 seconds")
    expect(rate(yield* send("/contacts", as(madeUp(25))))).toMatchObject({ status: 401, limit: "10", remaining: "0" })
    expect((yield* send("/contacts", as(madeUp(26)))).status).toBe(429)
  })

/** A memory store the test can look into, as the limiter's store. */
const inspectable = () => {
  const memory = MemoryStore.make(MemoryStore.DEFAULT_MAX_BUCKETS)
  // A layer of its own (`RateLimiter.layer` is one object, which Effect memoizes across an app).
  const limiter = Layer.effect(RateLimiter.RateLimiter, RateLimiter.make).pipe(
    Layer.provide(Layer.succeed(RateLimiter.RateLimiterStore)(memory.store))
  )
  return { memory, limiter }
}

// 1. `identify` looks the key up and fails with UNAUTHORIZED when it is unknown.
const lookUp = (request: HttpServerRequest.HttpServerRequest) => {
  const key = RateLimit.apiKey(request)
  if (key === undefined) return Effect.succeed<RateLimit.Identity>({ tier: "free" })
  const tier = issued.get(key)
  return tier === undefined
    ? Effect.fail(new ApiError.Unauthorized({ message: "API key missing or invalid" }))
    : Effect.succeed<RateLimit.Identity>({ tier })
}

const identifying = inspectable()
layer(
  serveApp(Layer.mergeAll(HttpRouter.add("GET", "/contacts", ok), RateLimit.layer({ identify: lookUp }).pipe(Layer.provideMerge(ServerErrors.layer())))).pipe(
    Layer.provide(identifying.limiter)
  )
)("made-up keys, refused by identify", (it) => {
  it.effect("share the address's bucket: 401 for Free's burst, then 429; a valid key keeps its own bucket", () =>
    guessingIsThrottled(identifying.memory.size))
})

// 2. `identify` gives every key a tier, and the app refuses unknown keys itself, as a response.
const tierOrFree = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.succeed<RateLimit.Identity>({ tier: issued.get(RateLimit.apiKey(request) ?? "") ?? "free" })

const answering = inspectable()
const checkKey = Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
  issued.has(RateLimit.apiKey(request) ?? "") ? ok : ServerErrors.respond(new ApiError.Unauthorized()))
// The limiter outermost this time: it sees the app's 401 as a response.
layer(
  serveApp(Layer.mergeAll(HttpRouter.add("GET", "/contacts", checkKey), RateLimit.layer({ identify: tierOrFree }), ServerErrors.layer()))
    .pipe(Layer.provide(answering.limiter))
)("made-up keys, answered 401 by the app", (it) => {
  it.effect("share the address's bucket too, and the key's own bucket gets its token back", () =>
    guessingIsThrottled(answering.memory.size))
})

// 2b. The middleware as a function of the router's HTTP effect, served by HttpServer.serve.
const asFunction = Layer.mergeAll(
  Layer.unwrap(
    Effect.map(
      HttpRouter.toHttpEffect(HttpRouter.add("GET", "/contacts", ok)),
      (app) => HttpServer.serve(ServerErrors.middleware(RateLimit.middleware(app)))
    )
  ),
  baseUrl
).pipe(Layer.provide(RateLimit.layerMemory), Layer.provide(errataServer()))

layer(asFunction)("RateLimit.middleware around HttpRouter.toHttpEffect", (it) => {
  it.effect("every client on Free: 15 at once, then 429 for 6 s; unknown routes are counted too", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(START)
      for (let i = 0; i < 14; i++) expect((yield* send("/contacts", as("sk_test_free"))).status).toBe(200)
      const unknown = yield* send("/elsewhere", as("sk_test_free"))
      expect(rate(unknown)).toMatchObject({ status: 404, limit: "10", remaining: "0" })
      const over = yield* send("/contacts", as("sk_test_free"))
      expect(over.status).toBe(429)
      expect(over.headers.get("retry-after")).toBe("6")
    }))
})

// 3. HttpApi: a bearer security middleware refuses the key, RateLimit.layer counts.
class Authorization extends HttpApiMiddleware.Service<Authorization>()("test/Authorization", {
  error: CatalogErrors.schemas("UNAUTHORIZED"),
  security: { bearer: HttpApiSecurity.bearer }
}) {}

const AuthorizationLive = Layer.succeed(Authorization)(
  Authorization.of({
    bearer: (httpEffect, { credential }) =>
      issued.has(Redacted.value(credential))
        ? httpEffect
        : Effect.fail(new ApiError.Unauthorized({ message: "API key missing or invalid" }))
  })
)

class Guarded extends HttpApi.make("guarded").add(
  HttpApiGroup.make("contacts").add(HttpApiEndpoint.get("list", "/contacts", { success: Schema.String })).middleware(Authorization)
).pipe(CatalogErrors.add("RATE_LIMIT_EXCEEDED")) {}

const GuardedLive = HttpApiBuilder.layer(Guarded).pipe(
  Layer.provide(HttpApiBuilder.group(Guarded, "contacts", (handlers) => handlers.handle("list", () => Effect.succeed("ok")))),
  Layer.provide(AuthorizationLive)
)

const guarded = inspectable()
layer(
  serveApp(Layer.mergeAll(GuardedLive, ServerErrors.layer(), RateLimit.layer({ identify: tierOrFree }))).pipe(
    Layer.provide(guarded.limiter)
  )
)("RateLimit.layer on an HttpApi with bearer security", (it) => {
  it.effect("made-up keys are throttled by address the same way; the valid key counts down", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(START)
      const statuses: Array<number> = []
      for (let i = 0; i < 25; i++) statuses.push((yield* send("/contacts", as(madeUp(i)))).status)
      expect(statuses).toStrictEqual([...Array.from({ length: 15 }, () => 401), ...Array.from({ length: 10 }, () => 429)])
      const valid = yield* send("/contacts", as("sk_live_valid_key_0001", { "x-request-id": "api-ok" }))
      expect(rate(valid)).toMatchObject({ status: 200, limit: "30", remaining: "44" })
      expect(valid.json).toBe("ok")
      expect(guarded.memory.size()).toBe(2)
    }))
})

describe("what counts as answered 401", () => {
  const run = (app: Effect.Effect<HttpServerResponse.HttpServerResponse, unknown>, requests: number) =>
    Effect.gen(function*() {
      const { memory, limiter: limiterLayer } = inspectable()
      const limiter = yield* Effect.provide(RateLimiter.RateLimiter, limiterLayer)
      const limited = RateLimit.make({ identify: tierOrFree })(app)
      const statuses = new Map<number, number>()
      for (let i = 0; i < requests; i++) {
        const request = HttpServerRequest.fromWeb(
          new Request("http://localhost/", { headers: { authorization: `Bearer ${madeUp(i)}` } })
        ).modify({ remoteAddress: Option.some("203.0.113.7") })
        const exit = yield* Effect.exit(
          limited.pipe(Effect.provideService(HttpServerRequest.HttpServerRequest, request), Effect.provideService(RateLimiter.RateLimiter, limiter))
        )
        const status = exit._tag === "Success" ? exit.value.status : 0
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
      }
      return { statuses, size: memory.size() }
    })

  it.effect("an UNAUTHORIZED response, errata's Unauthorized and the platform's HttpApiError.Unauthorized", () =>
    Effect.gen(function*() {
      // A failure is answered by ServerErrors, outside: here it is a failed exit (0).
      const refusals = [
        { app: Effect.succeed(ServerErrors.respond(new ApiError.Unauthorized())), answered: 401 },
        { app: Effect.fail(new ApiError.Unauthorized()), answered: 0 },
        { app: Effect.fail(new HttpApiError.Unauthorized()), answered: 0 },
        { app: Effect.die(new ApiError.Unauthorized()), answered: 0 }
      ]
      for (const { answered, app } of refusals) {
        const { size, statuses } = yield* run(app, 20)
        expect(statuses).toStrictEqual(new Map([[answered, 15], [429, 5]]))
        expect(size).toBe(1)
      }
    }))

  it.effect("any other failure of identify or the app is left alone, and counted on the key", () =>
    Effect.gen(function*() {
      const { size, statuses } = yield* run(Effect.fail(new ApiError.InsufficientPermissions()), 20)
      expect(statuses).toStrictEqual(new Map([[0, 20]]))
      expect(size).toBe(20)
    }))
})

// --- The store-failure policy, on Effect's Clock -------------------------------------------

/** A store that never answers, and says when it was asked. */
const hangingStore = (asked: Deferred.Deferred<void>) => {
  const hang = () => Effect.andThen(Deferred.succeed(asked, undefined), Effect.never)
  return RateLimit.layerStore(
    Layer.succeed(RateLimiter.RateLimiterStore)({ fixedWindow: hang, tokenBucket: hang, adaptiveConsume: hang, adaptiveFeedback: hang }),
    { timeout: "2 seconds" }
  )
}

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

/** One server on its own port with its own limiter; gives its base URL. */
const instance = <E>(options: RateLimit.Options, limiter: Layer.Layer<RateLimiter.RateLimiter, E>, logs: Layer.Layer<never> = Layer.empty) =>
  Effect.map(
    Layer.build(serveApp(Layer.mergeAll(HttpRouter.add("GET", "/ok", ok), ServerErrors.layer(), RateLimit.layer(options))).pipe(
      Layer.provide(limiter),
      Layer.provide(logs)
    )),
    (context) => Context.get(context, BaseUrl)
  )

const sendTo = (base: string, init: RequestInit = {}) => Effect.provideService(send("/ok", init), BaseUrl, base)

/** Real time passing, under the TestClock: room for a response that should not come. */
const realPause = (millis: number) => Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, millis)))

describe("RateLimit store failures, on Effect's Clock", () => {
  it.effect("timeout: a store that never answers is given up on after the timeout, under each policy", () =>
    Effect.gen(function*() {
      for (const policy of ["allow", "reject"] as const) {
        const asked = yield* Deferred.make<void>()
        const base = yield* instance({ onStoreError: policy }, hangingStore(asked))
        const pending = yield* Effect.forkChild(sendTo(base, as("sk_test_hanging")))
        yield* Deferred.await(asked)
        yield* TestClock.adjust("1999 millis")
        yield* realPause(50)
        expect(pending.pollUnsafe()).toBeUndefined()
        yield* TestClock.adjust("1 millis")
        const res = yield* Fiber.join(pending)
        expect(res.status).toBe(policy === "allow" ? 200 : 503)
        expect(res.headers.get("x-ratelimit-remaining")).toBeNull()
        if (policy === "reject") expect(res.json).toStrictEqual({ error: { code: "SERVICE_UNAVAILABLE", message: "Temporary outage" } })
      }
    }))

  it.effect("warnInterval: one warning per interval, and the next one counts the failures in between", () =>
    Effect.gen(function*() {
      const logs = captureWarnings()
      const base = yield* instance({ warnInterval: "60 seconds" }, failingStore, logs.layer)
      for (let i = 0; i < 3; i++) expect((yield* sendTo(base, as("sk_test_warn"))).status).toBe(200)
      expect(logs.lines).toHaveLength(1)
      expect(logs.lines[0]).toMatch(/^errata: rate-limit store unavailable \(store down\); serving requests without a limit \(onStoreError: "allow"\)$/)
      yield* TestClock.adjust("59 seconds")
      yield* sendTo(base, as("sk_test_warn"))
      expect(logs.lines).toHaveLength(1)
      yield* TestClock.adjust("1 second")
      yield* sendTo(base, as("sk_test_warn"))
      expect(logs.lines).toHaveLength(2)
      expect(logs.lines[1]).toMatch(/; 3 more since the last warning$/)
    }))
})

describe("RateLimit tiers and keys", () => {
  it("the default tiers are SPEC.md §6's", () => {
    expect(RateLimit.tiers).toStrictEqual({
      free: { perMinute: 10, burst: 15 },
      starter: { perMinute: 30, burst: 45 },
      pro: { perMinute: 100, burst: 150 }
    })
  })

  const withAuthorization = (authorization: string) =>
    HttpServerRequest.fromWeb(new Request("http://localhost/", { headers: { authorization } }))

  it("apiKey reads the bearer key, and nothing else", () => {
    expect(RateLimit.apiKey(withAuthorization("Bearer sk_live_abc123"))).toBe("sk_live_abc123")
    expect(RateLimit.apiKey(withAuthorization("bearer  sk_live_abc123 "))).toBe("sk_live_abc123")
    expect(RateLimit.apiKey(withAuthorization("Basic dXNlcjpwYXNz"))).toBeUndefined()
    expect(RateLimit.apiKey(withAuthorization("Bearer two keys"))).toBeUndefined()
    expect(RateLimit.apiKey(HttpServerRequest.fromWeb(new Request("http://localhost/")))).toBeUndefined()
  })

  it("the default bucket is the API key, else the client address, else one for all", () => {
    expect(clientKey(withAuthorization("Bearer sk_live_abc123"))).toBe("key:sk_live_abc123")
    expect(clientKey(withAuthorization("Basic dXNlcjpwYXNz"))).toBe("anonymous")
    expect(clientKey(HttpServerRequest.fromWeb(new Request("http://localhost/")))).toBe("anonymous")
  })
})
