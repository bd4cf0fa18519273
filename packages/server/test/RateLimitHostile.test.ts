/**
 * Strangers: made-up API keys from one address share one bucket (and are answered 429 once it is
 * used up) while a valid key from the same address keeps its own; sprayed keys and addresses
 * leave the memory store, and the heap, bounded.
 */
import * as RateLimiter from "@effect/experimental/RateLimiter"
import {
  Headers,
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiError,
  HttpApiGroup,
  HttpApiMiddleware,
  HttpApiSecurity,
  HttpApp,
  HttpRouter,
  HttpServerRequest,
  HttpServerResponse
} from "@effect/platform"
import { describe, expect, it, layer } from "@effect/vitest"
import { ApiError } from "@errata/core"
import { CatalogErrors } from "@errata/api"
import { RateLimit, ServerErrors } from "@errata/server"
import { Duration, Effect, Layer, Redacted, Schema, TestClock } from "effect"
import * as v8 from "node:v8"
import * as vm from "node:vm"
import * as MemoryStore from "../src/internal/memoryStore.js"
import { addressKey } from "@errata/dialect/RateLimitKeys"
import { clientKey, unauthenticatedKey } from "../src/internal/rateLimit.js"
import type { Received } from "./support/Serve.js"
import { send, serveApp, serveLayer } from "./support/Serve.js"

const START = 1_700_000_000_000

/** The keys a server has issued, with their tiers: every other key is made up. */
const issued: ReadonlyMap<string, string> = new Map([["sk_live_valid_key_0001", "starter"]])

const ok = HttpServerResponse.text("ok")

const as = (key: string): RequestInit => ({ headers: { authorization: `Bearer ${key}` } })

const madeUp = (i: number) => `sk_live_made_up_${String(i).padStart(4, "0")}`

const rate = (res: Received) => ({
  status: res.status,
  limit: res.headers.get("x-ratelimit-limit"),
  remaining: res.headers.get("x-ratelimit-remaining")
})

/** A store the test can look into, as the limiter's store. */
const inspectable = (maxBuckets = MemoryStore.DEFAULT_MAX_BUCKETS) => {
  const memory = MemoryStore.make(maxBuckets)
  const limiter = RateLimiter.layer.pipe(Layer.provide(Layer.succeed(RateLimiter.RateLimiterStore, memory.store)))
  return { memory, limiter }
}

/**
 * 25 made-up keys from one address: the first 15 (Free's burst) are answered 401, the next 429 with
 * Retry-After, every one with the address's X-RateLimit-* headers; then the valid key is served
 * from its own bucket, and six seconds later a made-up key is answered 401 again.
 */
const guessingIsThrottled = (buckets: () => number) => Effect.gen(function*() {
  yield* TestClock.setTime(START)
  for (let i = 0; i < 25; i++) {
    const res = yield* send("/contacts", as(madeUp(i)))
    expect(res.headers.get("x-request-id")).not.toBeNull()
    expect(res.headers.get("x-ratelimit-reset")).toMatch(/^\d+$/)
    if (i < 15) {
      expect(rate(res)).toStrictEqual({ status: 401, limit: "10", remaining: String(14 - i) })
      expect(res.json).toMatchObject({ error: { code: "UNAUTHORIZED" } })
    } else {
      expect(rate(res)).toStrictEqual({ status: 429, limit: "10", remaining: "0" })
      // Free: a token every 6 s.
      expect(res.headers.get("retry-after")).toBe("6")
      expect(res.json).toStrictEqual({
        error: { code: "RATE_LIMIT_EXCEEDED", message: "Too many requests", details: { retryAfter: 6 } }
      })
    }
  }
  const valid = yield* send("/contacts", as("sk_live_valid_key_0001"))
  expect(rate(valid)).toStrictEqual({ status: 200, limit: "30", remaining: "44" })
  expect(valid.text).toBe("ok")
  // The address's bucket and the valid key's: none for the made-up keys.
  expect(buckets()).toBe(2)

  yield* TestClock.adjust("6 seconds")
  expect(rate(yield* send("/contacts", as(madeUp(25))))).toStrictEqual({ status: 401, limit: "10", remaining: "0" })
  expect((yield* send("/contacts", as(madeUp(26)))).status).toBe(429)
})

// 1. The router way: `identify` looks the key up and fails with UNAUTHORIZED when it is unknown.
const lookUp = (request: HttpServerRequest.HttpServerRequest) => {
  const key = RateLimit.apiKey(request)
  if (key === undefined) return Effect.succeed<RateLimit.Identity>({ tier: "free" })
  const tier = issued.get(key)
  return tier === undefined
    ? Effect.fail(new ApiError.Unauthorized({ message: "API key missing or invalid" }))
    : Effect.succeed<RateLimit.Identity>({ tier })
}

const identifying = inspectable()
const identifyingApp = HttpRouter.empty.pipe(
  HttpRouter.get("/contacts", ok),
  RateLimit.make({ identify: lookUp }),
  ServerErrors.middleware
)

layer(serveApp(identifyingApp).pipe(Layer.provide(identifying.limiter)))("made-up keys, refused by identify", (it) => {
  it.effect("share the address's bucket: 401 for Free's burst, then 429; a valid key keeps its own bucket", () =>
    guessingIsThrottled(identifying.memory.size))
})

// 2. The demo's way: `identify` gives every key a tier, and the app refuses unknown keys itself.
const checkKey = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
  issued.has(RateLimit.apiKey(request) ?? "")
    ? Effect.succeed(ok)
    : Effect.fail(new ApiError.Unauthorized({ message: "API key missing or invalid" })))

const tierOrFree = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.succeed<RateLimit.Identity>({ tier: issued.get(RateLimit.apiKey(request) ?? "") ?? "free" })

const answering = inspectable()
const answeringApp = HttpRouter.empty.pipe(
  HttpRouter.get("/contacts", checkKey),
  RateLimit.make({ identify: tierOrFree }),
  ServerErrors.middleware
)

layer(serveApp(answeringApp).pipe(Layer.provide(answering.limiter)))("made-up keys, refused by the app", (it) => {
  it.effect("share the address's bucket too, and leave no bucket of their own", () =>
    guessingIsThrottled(answering.memory.size))
})

// 3. HttpApi: a bearer security middleware refuses the key, RateLimit.layer counts.
class Authorization extends HttpApiMiddleware.Tag<Authorization>()("test/Authorization", {
  failure: CatalogErrors.schema("UNAUTHORIZED"),
  security: { bearer: HttpApiSecurity.bearer }
}) {}

class Guarded extends HttpApi.make("guarded").add(
  HttpApiGroup.make("contacts").add(HttpApiEndpoint.get("list", "/contacts").addSuccess(Schema.String)).middleware(Authorization)
).pipe(CatalogErrors.add("RATE_LIMIT_EXCEEDED")) {}

const AuthorizationLive = Layer.succeed(Authorization, {
  bearer: (token) =>
    issued.has(Redacted.value(token))
      ? Effect.void
      : Effect.fail(new ApiError.Unauthorized({ message: "API key missing or invalid" }))
})

const GuardedLive = HttpApiBuilder.serve().pipe(
  Layer.provide(ServerErrors.layer()),
  Layer.provide(RateLimit.layer({ identify: tierOrFree })),
  Layer.provide(RateLimit.layerMemory),
  Layer.provide(
    HttpApiBuilder.api(Guarded).pipe(
      Layer.provide(HttpApiBuilder.group(Guarded, "contacts", (handlers) => handlers.handle("list", () => Effect.succeed("ok")))),
      Layer.provide(AuthorizationLive)
    )
  )
)

layer(serveLayer(GuardedLive))("made-up keys on an HttpApi with bearer security", (it) => {
  it.effect("are throttled by address the same way", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(START)
      const statuses: Array<number> = []
      for (let i = 0; i < 25; i++) statuses.push((yield* send("/contacts", as(madeUp(i)))).status)
      expect(statuses).toStrictEqual([...Array.from({ length: 15 }, () => 401), ...Array.from({ length: 10 }, () => 429)])
      const valid = yield* send("/contacts", as("sk_live_valid_key_0001"))
      expect(rate(valid)).toStrictEqual({ status: 200, limit: "30", remaining: "44" })
    }))
})

// 4. The policy when the store fails holds for strangers too.
const failingStore = RateLimit.layerStore(Layer.succeed(RateLimiter.RateLimiterStore, {
  fixedWindow: () => Effect.fail(new RateLimiter.RateLimitStoreError({ message: "store down" })),
  tokenBucket: () => Effect.fail(new RateLimiter.RateLimitStoreError({ message: "store down" }))
}))

const storeDownApp = HttpRouter.empty.pipe(
  HttpRouter.get("/allow", ok.pipe(RateLimit.make({ identify: lookUp }), Effect.provide(failingStore))),
  HttpRouter.get("/reject", ok.pipe(RateLimit.make({ identify: lookUp, onStoreError: "reject" }), Effect.provide(failingStore))),
  ServerErrors.middleware
)

layer(serveApp(storeDownApp))("made-up keys while the store is down", (it) => {
  it.effect("are answered 401 uncounted under \"allow\", SERVICE_UNAVAILABLE under \"reject\"", () =>
    Effect.gen(function*() {
      const allowed = yield* send("/allow", as(madeUp(0)))
      expect(rate(allowed)).toStrictEqual({ status: 401, limit: null, remaining: null })
      const rejected = yield* send("/reject", as(madeUp(0)))
      expect(rejected.status).toBe(503)
      expect(rejected.json).toMatchObject({ error: { code: "SERVICE_UNAVAILABLE" } })
    }))
})

describe("what counts as answered 401", () => {
  it.effect("an UNAUTHORIZED response, and the platform's HttpApiError.Unauthorized, count as a failure does", () =>
    Effect.gen(function*() {
      // A failure is answered by ServerErrors, outside: here it is a failed exit (0).
      const refusals = [
        { app: Effect.succeed(ServerErrors.respond(new ApiError.Unauthorized())), answered: 401 },
        { app: Effect.fail(new HttpApiError.Unauthorized()), answered: 0 }
      ]
      for (const { answered, app } of refusals) {
        const { memory, limiter } = inspectable()
        const statuses = yield* serveInProcess(RateLimit.make({ identify: tierOrFree })(app), 20, (i) =>
          requestFrom("203.0.113.7", { authorization: `Bearer ${madeUp(i)}` })).pipe(Effect.provide(limiter))
        expect(statuses).toStrictEqual(new Map([[answered, 15], [429, 5]]))
        expect(memory.size()).toBe(1)
      }
    }))

  it.effect("any other failure of identify or the app is left alone, and counted on the key", () =>
    Effect.gen(function*() {
      const { memory, limiter } = inspectable()
      const statuses = yield* serveInProcess(
        RateLimit.make({ identify: tierOrFree })(Effect.fail(new ApiError.InsufficientPermissions())),
        20,
        (i) => requestFrom("203.0.113.7", { authorization: `Bearer ${madeUp(i)}` })
      ).pipe(Effect.provide(limiter))
      expect(statuses).toStrictEqual(new Map([[0, 20]]))
      expect(memory.size()).toBe(20)
    }))
})

describe("the address a stranger is counted by", () => {
  it("IPv4 as it is, IPv4-mapped IPv6 as IPv4, IPv6 by its /64; anything else cut short", () => {
    expect(addressKey("203.0.113.7")).toBe("203.0.113.7")
    expect(addressKey("::ffff:203.0.113.7")).toBe("203.0.113.7")
    expect(addressKey("::ffff:cb00:7107")).toBe("203.0.113.7")
    expect(addressKey("2001:db8:85a3:1234:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:85a3:1234::/64")
    expect(addressKey("2001:DB8:85A3:1234::1")).toBe("2001:db8:85a3:1234::/64")
    expect(addressKey("2001:0db8:0000:0000:ffff::1%eth0")).toBe("2001:db8:0:0::/64")
    expect(addressKey("2001:db8::")).toBe("2001:db8:0:0::/64")
    expect(addressKey("::1")).toBe("0:0:0:0::/64")
    expect(addressKey("64:ff9b::192.0.2.33")).toBe("64:ff9b:0:0::/64")
    for (const odd of ["2001:db8::1::2", "2001:db8:1:2:3:4:5:6:7", "1:2:3", "fe80::zz", "::ffff:300.1.1.1"]) {
      expect(addressKey(odd)).toBe(odd)
    }
    expect(addressKey("x".repeat(10_000))).toHaveLength(64)
    expect(addressKey(":".repeat(10_000))).toHaveLength(64)
  })

  it("anonymous requests and requests answered 401 have their own buckets per address", () => {
    const from = (remoteAddress: string, headers: Record<string, string> = {}) =>
      HttpServerRequest.fromWeb(new Request("http://localhost/", { headers })).modify({ remoteAddress })
    expect(clientKey(from("2001:db8:1:2::7"))).toBe("ip:2001:db8:1:2::/64")
    expect(clientKey(from("2001:db8:1:2::7", { authorization: "Bearer sk_live_x" }))).toBe("key:sk_live_x")
    expect(unauthenticatedKey(from("2001:db8:1:2::7", { authorization: "Bearer sk_live_x" }))).toBe(
      "unauthenticated:2001:db8:1:2::/64"
    )
    expect(unauthenticatedKey(HttpServerRequest.fromWeb(new Request("http://localhost/")))).toBe("unauthenticated:anonymous")
  })
})

// --- Memory under 100,000 distinct keys -------------------------------------------------------

/** V8's collector, exposed at run time when the process was not started with --expose-gc. */
const collect: () => void = (() => {
  const exposed: unknown = Reflect.get(globalThis, "gc")
  if (typeof exposed === "function") return () => void Reflect.apply(exposed, undefined, [])
  v8.setFlagsFromString("--expose-gc")
  const gc: unknown = vm.runInNewContext("gc")
  return typeof gc === "function" ? () => void Reflect.apply(gc, undefined, []) : () => undefined
})()

const heapUsed = () => {
  collect()
  collect()
  return process.memoryUsage().heapUsed
}

const MB = 1024 * 1024

const freeBucket = (key: string) => ({ key, tokens: 1, limit: 15, refillRate: Duration.seconds(6), allowOverflow: false })

/**
 * `count` requests through `app` in this fiber, the way the server runs one: the pre-response
 * handlers a request appends (the X-RateLimit-* headers) are its own, and dropped after it.
 */
const serveInProcess = <E>(
  app: HttpApp.Default<E, RateLimiter.RateLimiter>,
  count: number,
  requestAt: (i: number) => HttpServerRequest.HttpServerRequest
) =>
  Effect.gen(function*() {
    const statuses = new Map<number, number>()
    for (let i = 0; i < count; i++) {
      const exit = yield* Effect.exit(
        Effect.provideService(HttpApp.withPreResponseHandler(app, keepResponse), HttpServerRequest.HttpServerRequest, requestAt(i))
      )
      const status = exit._tag === "Success" ? exit.value.status : 0
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
    }
    return statuses
  })

const keepResponse = (_request: HttpServerRequest.HttpServerRequest, response: HttpServerResponse.HttpServerResponse) =>
  Effect.succeed(response)

// One web Request, modified: building 100,000 of them would be most of the test's time.
const baseRequest = HttpServerRequest.fromWeb(new Request("http://localhost/contacts"))

const requestFrom = (remoteAddress: string, headers: Record<string, string> = {}) =>
  baseRequest.modify({ remoteAddress, headers: Headers.fromInput(headers) })

describe("memory stays flat under 100,000 distinct keys", () => {
  it.effect("in the store: at most maxBuckets buckets, and the heap stops growing at the cap", () =>
    Effect.gen(function*() {
      const { size, store } = MemoryStore.make(MemoryStore.DEFAULT_MAX_BUCKETS)
      let sprayed = 0
      const spray = (count: number) =>
        Effect.gen(function*() {
          for (const end = sprayed + count; sprayed < end; sprayed++) {
            yield* store.tokenBucket(freeBucket(`key:sk_live_spray_${sprayed}`))
          }
          return heapUsed()
        })
      const before = heapUsed()
      const atCap = yield* spray(100_000)
      expect(size()).toBe(100_000)
      const rounds = [yield* spray(100_000), yield* spray(100_000), yield* spray(100_000)]
      expect(size()).toBe(100_000)
      // The cap bounds the store (about 20 MB of buckets), and past it the heap stops growing: what
      // it moves by is the map's table between two sizes, not the buckets.
      expect(atCap - before).toBeLessThan(40 * MB)
      for (const round of rounds) expect(round - atCap).toBeLessThan(8 * MB)
      expect(Math.abs((rounds[2] ?? 0) - (rounds[1] ?? 0))).toBeLessThan(4 * MB)
    }), 60_000)

  // Fewer requests than the store test above: each costs tens of microseconds of CPU, and other
  // test files time the event loop meanwhile.
  it.effect("through the middleware: sprayed keys are capped, made-up keys and one /64 make one bucket", () =>
    Effect.gen(function*() {
      const handler = Effect.succeed(ok)

      // A server that takes any key (the default identify): 15,000 keys, 5,000 buckets at most.
      // The first 5,000 fill the store (and warm the code up); the 10,000 after them add nothing.
      const open = inspectable(5_000)
      const spray = (from: number, count: number) =>
        serveInProcess(RateLimit.make()(handler), count, (i) =>
          requestFrom("203.0.113.7", { authorization: `Bearer sk_live_spray_${from + i}` })).pipe(Effect.provide(open.limiter))
      const before = heapUsed()
      expect(yield* spray(0, 5_000)).toStrictEqual(new Map([[200, 5_000]]))
      const full = heapUsed()
      expect(yield* spray(5_000, 10_000)).toStrictEqual(new Map([[200, 10_000]]))
      const after = heapUsed()
      expect(open.memory.size()).toBe(5_000)
      expect(full - before).toBeLessThan(16 * MB)
      expect(after - full).toBeLessThan(2 * MB)

      // A server that refuses made-up keys: one bucket, the address's; all but Free's burst are 429.
      const guarded = inspectable(5_000)
      const refused = yield* serveInProcess(RateLimit.make({ identify: lookUp })(handler), 3_000, (i) =>
        requestFrom("203.0.113.7", { authorization: `Bearer ${madeUp(i)}` })).pipe(Effect.provide(guarded.limiter))
      expect(refused).toStrictEqual(new Map([[0, 15], [429, 3_000 - 15]]))
      expect(guarded.memory.size()).toBe(1)

      // Anonymous requests from 3,000 addresses of one /64 share one bucket; from 3,000 /64s, capped.
      const addresses = inspectable(1_000)
      yield* serveInProcess(RateLimit.make()(handler), 3_000, (i) => requestFrom(`2001:db8:1:2::${i.toString(16)}`)).pipe(
        Effect.provide(addresses.limiter)
      )
      expect(addresses.memory.size()).toBe(1)
      yield* serveInProcess(RateLimit.make()(handler), 3_000, (i) => requestFrom(`2001:db8:${i.toString(16)}::1`)).pipe(
        Effect.provide(addresses.limiter)
      )
      expect(addresses.memory.size()).toBe(1_000)
    }), 60_000)
})
