import { NodeHttpClient } from "@effect/platform-node"
import * as Backoff from "@errata/dialect/Backoff"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, Schedule } from "effect"
import { HttpClientError } from "effect/http"
import { TestClock } from "effect/testing"
import { ApiError, Catalog, Wire } from "errata"
import { ApiClient, Retry } from "errata/client"
import * as TestServer from "./TestServer.js"

const layerFor = (baseUrl: string, options: Partial<ApiClient.Options> = {}) =>
  ApiClient.layer({ baseUrl, apiKey: "sk_test_retry", timeout: TestServer.attemptTimeout, ...options }).pipe(
    Layer.provide(NodeHttpClient.layerUndici)
  )

/** Forks a GET through a client with the given options; the test then drives the TestClock. */
const forkGet = (baseUrl: string, options: Partial<ApiClient.Options> = {}, path = "/contacts") =>
  Effect.flatMap(ApiClient.ApiClient, (client) => client.get(path)).pipe(
    Effect.provide(layerFor(baseUrl, options)),
    Effect.forkChild
  )

const served = (error: ApiError.ApiError | ApiError.UnknownApiError, extraHeaders: Record<string, string> = {}): TestServer.Served => {
  const encoded = Wire.encode(error)
  return { status: encoded.status, headers: { ...encoded.headers, ...extraHeaders }, body: JSON.stringify(encoded.body) }
}

/** A 429 as the throttling proxy of SPEC.md §7 sends it: a header, nothing in the body. */
const rateLimited = (retryAfter: string | undefined): TestServer.Served => ({
  status: 429,
  headers: { "content-type": "application/json", ...(retryAfter === undefined ? {} : { "retry-after": retryAfter }) },
  body: JSON.stringify({ error: { code: "RATE_LIMIT_EXCEEDED", message: "Too many requests" } })
})

const ok: TestServer.Served = { status: 200, headers: { "content-type": "application/json" }, body: "{}" }

const withinJitter = (actual: number, nominal: number) => {
  expect(actual).toBeGreaterThanOrEqual(nominal * 0.8)
  expect(actual).toBeLessThanOrEqual(nominal * 1.2)
}

const isTransport = (error: unknown): boolean =>
  HttpClientError.isHttpClientError(error) && error.reason._tag === "TransportError"

describe("backoff", () => {
  it.effect("503, 503, 200 succeeds after exactly two retries, at 1 s and 2 s within jitter", () =>
    TestServer.spied(Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.sequence([
        served(new ApiError.ServiceUnavailable()),
        served(new ApiError.ServiceUnavailable()),
        ok
      ]))
      const fiber = yield* forkGet(server.url)
      const first = yield* TestServer.nextSleep
      withinJitter(first, 1000)
      // Just short of the wait, nothing is sent.
      yield* TestClock.adjust(first - 1)
      yield* TestServer.liveTick(20)
      expect(server.count()).toBe(1)
      yield* TestClock.adjust(1)
      const second = yield* TestServer.nextSleep
      withinJitter(second, 2000)
      expect(server.count()).toBe(2)
      yield* TestClock.adjust(second)
      const response = yield* Fiber.join(fiber)
      expect(response.status).toBe(200)
      expect(server.count()).toBe(3)
    })))

  it.effect("the waits double up to the cap, and `times` bounds the retries; the last error is returned", () =>
    TestServer.spied(Effect.gen(function*() {
      const server = yield* TestServer.make((_request, response, n) =>
        TestServer.send(response, served(new ApiError.InternalError({ requestId: `req_${n}` })))
      )
      const fiber = yield* forkGet(server.url, { retry: { times: 4, jitter: 0, maxDelay: "5 seconds" } })
      const waits: Array<number> = []
      for (let i = 0; i < 4; i++) waits.push(yield* TestServer.wakeUp)
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(waits).toEqual([1000, 2000, 4000, 5000])
      expect(server.count()).toBe(5)
      expect(error).toMatchObject({ _tag: "InternalError", requestId: "req_5" })
      expect(ApiClient.attempts(error)).toBe(5)
    })))

  it.effect("the default is 5 retries, capped at 60 s", () =>
    TestServer.spied(Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.always(served(new ApiError.ServiceUnavailable())))
      const fiber = yield* forkGet(server.url)
      const waits: Array<number> = []
      for (let i = 0; i < 5; i++) waits.push(yield* TestServer.wakeUp)
      const error = yield* Effect.flip(Fiber.join(fiber))
      waits.forEach((wait, i) => withinJitter(wait, 1000 * 2 ** i))
      expect(server.count()).toBe(6)
      expect(ApiClient.attempts(error)).toBe(6)
    })))

  it.effect("`upTo` stops retrying when the next wait would overrun it", () =>
    TestServer.spied(Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.always(served(new ApiError.ServiceUnavailable())))
      const fiber = yield* forkGet(server.url, { retry: { jitter: 0, upTo: "2.5 seconds" } })
      // 1 s fits; 1 s + 2 s would not.
      expect(yield* TestServer.wakeUp).toBe(1000)
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error._tag).toBe("ServiceUnavailable")
      expect(server.count()).toBe(2)
    })))

  it.effect("interrupting during a wait stops at once: no further request is sent", () =>
    TestServer.spied(Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.always(served(new ApiError.ServiceUnavailable())))
      const fiber = yield* forkGet(server.url)
      yield* TestServer.nextSleep
      yield* Fiber.interrupt(fiber)
      yield* TestClock.adjust("10 minutes")
      yield* TestServer.liveTick(50)
      expect(server.count()).toBe(1)
    })))
})

describe("Retry-After", () => {
  it.effect("a 429 with `Retry-After: 7` waits exactly 7 s", () =>
    TestServer.spied(Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.sequence([rateLimited("7"), ok]))
      const fiber = yield* forkGet(server.url)
      expect(yield* TestServer.wakeUp).toBe(7000)
      expect((yield* Fiber.join(fiber)).status).toBe(200)
      expect(server.count()).toBe(2)
    })))

  it.effect("a 429 with an HTTP-date waits until that date, by the Effect clock", () =>
    TestServer.spied(Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-03-01T12:00:00Z"))
      const server = yield* TestServer.make(TestServer.sequence([rateLimited("Sun, 01 Mar 2026 12:00:09 GMT"), ok]))
      const fiber = yield* forkGet(server.url)
      expect(yield* TestServer.wakeUp).toBe(9000)
      expect((yield* Fiber.join(fiber)).status).toBe(200)
    })))

  it.effect("`details.retryAfter` is used when the header is absent", () =>
    TestServer.spied(Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.sequence([
        {
          status: 429,
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ error: { code: "RATE_LIMIT_EXCEEDED", message: "slow", details: { retryAfter: 12 } } })
        },
        ok
      ]))
      const fiber = yield* forkGet(server.url)
      expect(yield* TestServer.wakeUp).toBe(12_000)
      yield* Fiber.join(fiber)
    })))

  it.effect("the cap holds: a longer Retry-After waits `maxRetryAfter` (60 s by default)", () =>
    TestServer.spied(Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.sequence([rateLimited("3600"), rateLimited("3600"), ok]))
      const fiber = yield* forkGet(server.url, { retry: { maxRetryAfter: "10 seconds" } })
      expect(yield* TestServer.wakeUp).toBe(10_000)
      expect(yield* TestServer.wakeUp).toBe(10_000)
      yield* Fiber.join(fiber)

      const again = yield* TestServer.make(TestServer.sequence([rateLimited("3600"), ok]))
      const second = yield* forkGet(again.url)
      expect(yield* TestServer.wakeUp).toBe(60_000)
      yield* Fiber.join(second)
    })))

  it.effect("a Retry-After in the past or unparsable falls back to the computed wait", () =>
    TestServer.spied(Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-03-01T12:00:00Z"))
      const server = yield* TestServer.make(TestServer.sequence([
        rateLimited("Sun, 01 Mar 2026 11:00:00 GMT"),
        rateLimited("soon"),
        rateLimited(undefined),
        ok
      ]))
      const fiber = yield* forkGet(server.url, { retry: { jitter: 0 } })
      expect([yield* TestServer.wakeUp, yield* TestServer.wakeUp, yield* TestServer.wakeUp]).toEqual([1000, 2000, 4000])
      yield* Fiber.join(fiber)
    })))

  it.effect("a 503 whose body is cut at the bound, or cannot be decoded, still waits its Retry-After", () =>
    TestServer.spied(Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.sequence([
        { status: 503, headers: { "content-type": "text/html", "retry-after": "4" }, body: "<p>down</p>".repeat(200) },
        { status: 503, headers: { "content-encoding": "x-squeeze", "retry-after": "6" }, body: Uint8Array.from([0, 1, 2, 3]) },
        ok
      ]))
      const fiber = yield* forkGet(server.url, { maxErrorBodyBytes: 100 })
      expect([yield* TestServer.wakeUp, yield* TestServer.wakeUp]).toEqual([4000, 6000])
      expect((yield* Fiber.join(fiber)).status).toBe(200)
    })))

  it.effect("a 503 with a Retry-After header, and `retry-after-ms`, are honoured too", () =>
    TestServer.spied(Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.sequence([
        served(new ApiError.ServiceUnavailable(), { "retry-after": "3" }),
        served(new ApiError.ServiceUnavailable(), { "retry-after-ms": "1500" }),
        ok
      ]))
      const fiber = yield* forkGet(server.url)
      expect([yield* TestServer.wakeUp, yield* TestServer.wakeUp]).toEqual([3000, 1500])
      yield* Fiber.join(fiber)
    })))
})

const nonTransient = Catalog.all.filter((entry) => !entry.transient)

describe("what is retried", () => {
  it("there are nine non-transient codes", () => {
    expect(nonTransient).toHaveLength(9)
  })

  it.effect("each of the nine non-transient codes is requested exactly once", () =>
    TestServer.spied(Effect.gen(function*() {
      for (const entry of nonTransient) {
        const server = yield* TestServer.make(TestServer.sequence([served(ApiError.make(entry.code)), ok]))
        const fiber = yield* forkGet(server.url)
        const error = yield* Effect.flip(Fiber.join(fiber))
        expect(error._tag).toBe(entry.tag)
        yield* TestClock.adjust("10 minutes")
        yield* TestServer.liveTick(5)
        expect(server.count()).toBe(1)
        expect(ApiClient.attempts(error)).toBe(1)
      }
    })))

  const retried: ReadonlyArray<readonly [string, TestServer.Served]> = [
    ["an unknown code with 429", served(new ApiError.UnknownApiError({ code: "RATE_LIMITED", status: 429, message: "slow" }))],
    ["an unknown code with 503", served(new ApiError.UnknownApiError({ code: "DOWN_FOR_MAINTENANCE", status: 503, message: "back soon" }))],
    ["a 502 proxy page", { status: 502, headers: { "content-type": "text/html" }, body: "<html><body>Bad Gateway</body></html>" }],
    ["a 503 with an empty body", { status: 503 }],
    ["a 504 with truncated JSON", { status: 504, headers: { "content-type": "application/json" }, body: "{\"error\":{\"co" }],
    ["a 500 HTML page", { status: 500, headers: { "content-type": "text/html" }, body: "<h1>Internal Server Error</h1>" }]
  ]
  for (const [name, answer] of retried) {
    it.effect(`${name} is retried`, () =>
      TestServer.spied(Effect.gen(function*() {
        const server = yield* TestServer.make(TestServer.sequence([answer, ok]))
        const fiber = yield* forkGet(server.url)
        yield* TestServer.wakeUp
        expect((yield* Fiber.join(fiber)).status).toBe(200)
        expect(server.count()).toBe(2)
      })))
  }

  const notRetried: ReadonlyArray<readonly [string, TestServer.Served, string]> = [
    ["a 400 HTML page", { status: 400, headers: { "content-type": "text/html" }, body: "<h1>Bad Request</h1>" }, "UnexpectedResponse"],
    ["an unknown code with 418", served(new ApiError.UnknownApiError({ code: "TEAPOT", status: 418, message: "short and stout" })), "UnknownApiError"],
    ["a 501 HTML page", { status: 501, body: "<p>nope</p>" }, "UnexpectedResponse"]
  ]
  for (const [name, answer, tag] of notRetried) {
    it.effect(`${name} is not retried`, () =>
      Effect.gen(function*() {
        const server = yield* TestServer.make(TestServer.sequence([answer, ok]))
        const error = yield* Effect.flip(Fiber.join(yield* forkGet(server.url)))
        expect(error._tag).toBe(tag)
        expect(server.count()).toBe(1)
      }))
  }

  it.effect("a connection refused is retried `times`, then fails as a transport HttpClientError", () =>
    TestServer.spied(Effect.gen(function*() {
      const url = yield* TestServer.refusedUrl
      const fiber = yield* forkGet(url, { retry: { times: 2, jitter: 0 } })
      expect([yield* TestServer.wakeUp, yield* TestServer.wakeUp]).toEqual([1000, 2000])
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(isTransport(error)).toBe(true)
      expect(ApiClient.attempts(error)).toBe(3)
    })))

  it.effect("a connection reset before the response is retried", () =>
    TestServer.spied(Effect.gen(function*() {
      const server = yield* TestServer.make((_request, response, n) => {
        if (n === 1) return response.socket?.destroy()
        TestServer.send(response, ok)
      })
      const fiber = yield* forkGet(server.url)
      yield* TestServer.wakeUp
      expect((yield* Fiber.join(fiber)).status).toBe(200)
      expect(server.count()).toBe(2)
    })))

  it.effect("a connection reset in the middle of an error body is retried", () =>
    TestServer.spied(Effect.gen(function*() {
      const server = yield* TestServer.make((_request, response, n) => {
        if (n > 1) return TestServer.send(response, ok)
        response.writeHead(503, { "content-type": "application/json", "content-length": "4096" })
        response.write("{\"error\":{\"code\":\"SERVICE_UNAVAILABLE\",\"mess")
        setTimeout(() => response.socket?.destroy(), 5)
      })
      const fiber = yield* forkGet(server.url)
      yield* TestServer.wakeUp
      expect((yield* Fiber.join(fiber)).status).toBe(200)
      expect(server.count()).toBe(2)
    })))

  it.effect("a reset mid-body on the last attempt surfaces as a transport HttpClientError", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make((_request, response) => {
        response.writeHead(500, { "content-type": "application/json" })
        response.write("{\"error\":")
        setTimeout(() => response.socket?.destroy(), 5)
      })
      const error = yield* Effect.flip(Fiber.join(yield* forkGet(server.url, { retry: { times: 0 } })))
      expect(isTransport(error)).toBe(true)
      expect(error.message).toContain("the connection failed while reading the body of a 500 response")
    }))
})

describe("Retry as values", () => {
  it("backoff is the dialect's: nominal 1, 2, 4 … s, capped", () => {
    const options = Backoff.resolve()
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => Backoff.backoff(options, n, 0.5))).toEqual([
      1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000
    ])
  })

  it("isRetryable: transient codes and transport failures only", () => {
    expect(Catalog.all.filter((e) => Retry.isRetryable(ApiError.make(e.code))).map((e) => e.code)).toEqual([
      "RATE_LIMIT_EXCEEDED",
      "INTERNAL_ERROR",
      "SERVICE_UNAVAILABLE"
    ])
    expect(Retry.isRetryable(new Error("boom"))).toBe(false)
    expect(Retry.isRetryable("503")).toBe(false)
  })

  it.effect("Retry.schedule drives Effect.retry with the same waits, and stops on a non-transient error", () =>
    TestServer.spied(Effect.gen(function*() {
      let calls = 0
      const failing = Effect.suspend(() => {
        calls++
        return calls < 3
          ? Effect.fail<ApiError.Any>(new ApiError.ServiceUnavailable())
          : Effect.fail<ApiError.Any>(new ApiError.NotFound())
      })
      const fiber = yield* Effect.forkChild(Effect.retry(failing, Retry.schedule({ jitter: 0 })))
      expect(yield* TestServer.wakeUp).toBe(1000)
      expect(yield* TestServer.wakeUp).toBe(2000)
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error._tag).toBe("NotFound")
      expect(calls).toBe(3)
    })))

  it.effect("Retry.schedule outputs the wait it chose, a Retry-After included", () =>
    TestServer.spied(Effect.gen(function*() {
      const waits: Array<number> = []
      const failing = Effect.fail(new ApiError.RateLimitExceeded({ details: { retryAfter: 4 } }))
      const schedule = Retry.schedule({ times: 2 }).pipe(Schedule.tap((meta) => Effect.sync(() => waits.push(Duration.toMillis(meta.output)))))
      const fiber = yield* Effect.forkChild(Effect.retry(failing, schedule))
      yield* TestServer.wakeUp
      yield* TestServer.wakeUp
      yield* Effect.flip(Fiber.join(fiber))
      expect(waits).toEqual([4000, 4000])
    })))
})
