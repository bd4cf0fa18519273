import * as RateLimiter from "@effect/experimental/RateLimiter"
import {
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpRouter,
  HttpServerRequest,
  HttpServerResponse
} from "@effect/platform"
import { describe, expect, it, layer } from "@effect/vitest"
import { ApiError } from "@errata/core"
import { CatalogErrors } from "@errata/api"
import { RateLimit, ServerErrors } from "@errata/server"
import { Effect, Layer, Schema, TestClock } from "effect"
import type { Received } from "./support/Serve.js"
import { send, serveApp, serveLayer } from "./support/Serve.js"
import { clientKey } from "../src/internal/rateLimit.js"

const START = 1_700_000_000_000

const ok = HttpServerResponse.text("ok")
const tiny = { tiny: { perMinute: 60, burst: 3 }, slow: { perMinute: 10, burst: 2 } } as const

// The tier is read from a header here; a real server would look the key up. The bucket is the
// default one: the API key, else the address.
const identify = (request: HttpServerRequest.HttpServerRequest) =>
  request.headers["authorization"] === "Bearer sk_test_revoked"
    ? Effect.fail(new ApiError.Unauthorized({ message: "API key revoked" }))
    : Effect.succeed({ tier: request.headers["x-tier"] ?? "tiny" })

const failingStore = RateLimit.layerStore(
  Layer.succeed(RateLimiter.RateLimiterStore, {
    fixedWindow: () => Effect.fail(new RateLimiter.RateLimitStoreError({ message: "store down" })),
    tokenBucket: () => Effect.fail(new RateLimiter.RateLimitStoreError({ message: "store down" }))
  })
)

const app = HttpRouter.empty.pipe(
  HttpRouter.get("/ok", ok),
  HttpRouter.get("/missing", Effect.fail(new ApiError.NotFound())),
  HttpRouter.get(
    "/store-down/allow",
    ok.pipe(RateLimit.make({ identify, tiers: tiny }), Effect.provide(failingStore))
  ),
  HttpRouter.get(
    "/store-down/reject",
    ok.pipe(RateLimit.make({ identify, tiers: tiny, onStoreError: "reject" }), Effect.provide(failingStore))
  ),
  RateLimit.make({ identify, tiers: tiny }),
  ServerErrors.middleware
)

// The same limiter outside ServerErrors: the 429 must still be complete.
const outsideApp = HttpRouter.empty.pipe(
  HttpRouter.get("/ok", ok),
  ServerErrors.middleware,
  RateLimit.make({ identify, tiers: tiny })
)

const server = serveApp(app).pipe(Layer.provide(RateLimit.layerMemory))

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

layer(server)("RateLimit.make", (it) => {
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
      expect(over.json).toStrictEqual({
        error: { code: "RATE_LIMIT_EXCEEDED", message: "Too many requests", details: { retryAfter: 1 } }
      })

      yield* TestClock.adjust("999 millis")
      expect((yield* send("/ok", as(key))).status).toBe(429)
      yield* TestClock.adjust("1 millis")
      expect(rate(yield* send("/ok", as(key)))).toMatchObject({ status: 200, remaining: "0" })
      expect((yield* send("/ok", as(key))).status).toBe(429)

      yield* TestClock.adjust("3 seconds")
      expect(rate(yield* send("/ok", as(key)))).toMatchObject({ status: 200, remaining: "2" })
    }))

  it.effect("Retry-After is the time until the next token, in whole seconds", () =>
    Effect.gen(function*() {
      const key = "sk_test_slow"
      const slow = as(key, { "x-tier": "slow" })
      expect(rate(yield* send("/ok", slow))).toMatchObject({ status: 200, limit: "10", remaining: "1" })
      expect(rate(yield* send("/ok", slow))).toMatchObject({ status: 200, remaining: "0" })
      const over = yield* send("/ok", slow)
      expect(over.status).toBe(429)
      // 10 per minute: one token every 6 s.
      expect(over.headers.get("retry-after")).toBe("6")
      expect(over.json).toMatchObject({ error: { details: { retryAfter: 6 } } })
      yield* TestClock.adjust("6 seconds")
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

  it.effect("error responses carry the rate-limit headers too", () =>
    Effect.gen(function*() {
      const res = yield* send("/missing", as("sk_test_errors"))
      expect(res.status).toBe(404)
      expect(rate(res)).toMatchObject({ limit: "60", remaining: "2" })
      const unknownRoute = yield* send("/no/such/route", as("sk_test_errors"))
      expect(rate(unknownRoute)).toMatchObject({ status: 404, remaining: "1" })
    }))

  it.effect("a failing identify is answered by ServerErrors", () =>
    Effect.gen(function*() {
      const res = yield* send("/ok", as("sk_test_revoked"))
      expect(res.status).toBe(401)
      expect(res.json).toStrictEqual({ error: { code: "UNAUTHORIZED", message: "API key revoked" } })
    }))

  it.effect("an unknown tier is a bug: INTERNAL_ERROR", () =>
    Effect.gen(function*() {
      const res = yield* send("/ok", as("sk_test_tierless", { "x-tier": "platinum" }))
      expect(res.status).toBe(500)
      expect(res.json).toStrictEqual({ error: { code: "INTERNAL_ERROR", message: "Unexpected server error" } })
    }))

  it.effect("when the store fails, requests go through by default, or get SERVICE_UNAVAILABLE", () =>
    Effect.gen(function*() {
      const allowed = yield* send("/store-down/allow", as("sk_test_store"))
      expect(allowed.status).toBe(200)
      const rejected = yield* send("/store-down/reject", as("sk_test_store"))
      expect(rejected.status).toBe(503)
      expect(rejected.json).toStrictEqual({ error: { code: "SERVICE_UNAVAILABLE", message: "Temporary outage" } })
    }))
})

layer(serveApp(outsideApp).pipe(Layer.provide(RateLimit.layerMemory)))("RateLimit outside ServerErrors", (it) => {
  it.effect("the 429 is still the complete wire response with X-Request-ID", () =>
    Effect.gen(function*() {
      for (let i = 0; i < 3; i++) expect((yield* send("/ok", as("sk_test_outside"))).status).toBe(200)
      const over = yield* send("/ok", as("sk_test_outside", { "x-request-id": "outer" }))
      expect(over.status).toBe(429)
      expect(over.headers.get("retry-after")).toBe("1")
      expect(over.headers.get("x-request-id")).toBe("outer")
      expect(over.headers.get("x-ratelimit-remaining")).toBe("0")
      expect(over.json).toStrictEqual({
        error: { code: "RATE_LIMIT_EXCEEDED", message: "Too many requests", details: { retryAfter: 1 } }
      })
    }))
})

class Limited extends HttpApi.make("limited").add(
  HttpApiGroup.make("g").add(HttpApiEndpoint.get("ok", "/ok").addSuccess(Schema.String))
).pipe(CatalogErrors.add("RATE_LIMIT_EXCEEDED")) {}

const LimitedLive = HttpApiBuilder.serve().pipe(
  Layer.provide(ServerErrors.layer()),
  Layer.provide(RateLimit.layer({ tiers: tiny, identify: () => Effect.succeed({ tier: "tiny" }) })),
  Layer.provide(RateLimit.layerMemory),
  Layer.provide(
    HttpApiBuilder.api(Limited).pipe(
      Layer.provide(HttpApiBuilder.group(Limited, "g", (handlers) => handlers.handle("ok", () => Effect.succeed("ok"))))
    )
  )
)

layer(serveLayer(LimitedLive))("RateLimit.layer on an HttpApi", (it) => {
  it.effect("counts down and answers the request over the bucket with the wire 429", () =>
    Effect.gen(function*() {
      for (const remaining of ["2", "1", "0"]) {
        expect(rate(yield* send("/ok", as("sk_test_api")))).toMatchObject({ status: 200, limit: "60", remaining })
      }
      const over = yield* send("/ok", as("sk_test_api", { "x-request-id": "api-429" }))
      expect(over.status).toBe(429)
      expect(over.headers.get("retry-after")).toBe("1")
      expect(over.headers.get("x-request-id")).toBe("api-429")
      expect(over.json).toStrictEqual({
        error: { code: "RATE_LIMIT_EXCEEDED", message: "Too many requests", details: { retryAfter: 1 } }
      })
      const unknownRoute = yield* send("/elsewhere", as("sk_test_api"))
      expect(unknownRoute.status).toBe(429)
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

  it("apiKey reads the bearer key, and nothing else", () => {
    const withAuthorization = (authorization: string) =>
      HttpServerRequest.fromWeb(new Request("http://localhost/", { headers: { authorization } }))
    expect(RateLimit.apiKey(withAuthorization("Bearer sk_live_abc123"))).toBe("sk_live_abc123")
    expect(RateLimit.apiKey(withAuthorization("bearer  sk_live_abc123 "))).toBe("sk_live_abc123")
    expect(RateLimit.apiKey(withAuthorization("Basic dXNlcjpwYXNz"))).toBeUndefined()
    expect(RateLimit.apiKey(withAuthorization("Bearer two keys"))).toBeUndefined()
    expect(RateLimit.apiKey(HttpServerRequest.fromWeb(new Request("http://localhost/")))).toBeUndefined()
  })

  it("the default bucket is the API key, else the client address, else one for all", () => {
    const withAuthorization = (authorization: string) =>
      HttpServerRequest.fromWeb(new Request("http://localhost/", { headers: { authorization } }))
    expect(clientKey(withAuthorization("Bearer sk_live_abc123"))).toBe("key:sk_live_abc123")
    expect(clientKey(withAuthorization("Basic dXNlcjpwYXNz"))).toBe("anonymous")
    expect(clientKey(HttpServerRequest.fromWeb(new Request("http://localhost/")))).toBe("anonymous")
  })
})
