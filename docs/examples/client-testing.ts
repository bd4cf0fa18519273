import { NodeHttpClient } from "@effect/platform-node"
import { Chunk, Effect, Fiber, Layer, TestClock, TestServices } from "effect"
import { ApiClient } from "@errata/client"

// Shorter retries through the options: the same failures retried, without the waits, so a test on
// the live clock takes milliseconds. A short timeout makes a server that hangs fail fast too.
export const QuickApi = (baseUrl: string) =>
  ApiClient.layer({
    baseUrl,
    apiKey: "sk_test_quick",
    retry: { times: 2, base: 0, jitter: 0, maxRetryAfter: 0 },
    timeout: "1 second"
  }).pipe(Layer.provide(NodeHttpClient.layerUndici))

// Or the real policy under the TestClock (`it.effect`): every wait of the client is an
// `Effect.sleep`. The timeout's watchdog sleeps on that clock too: a test that moves the clock
// while a request is in flight turns the timeout off, or sets it longer than its moves.
export const TestApi = (baseUrl: string) =>
  ApiClient.layer({ baseUrl, apiKey: "sk_test_clock", retry: { jitter: 0 }, timeout: false }).pipe(
    Layer.provide(NodeHttpClient.layerUndici)
  )

// Waits in real time (the server answers in real time) until the client sleeps, then moves the
// clock by that wait: one retry's backoff, or the server's Retry-After.
export const nextRetry = Effect.gen(function*() {
  for (let tries = 0; tries < 5_000; tries++) {
    const now = yield* TestClock.currentTimeMillis
    const at = Chunk.toReadonlyArray(yield* TestClock.sleeps()).find((at) => at > now)
    if (at !== undefined) return yield* Effect.as(TestClock.adjust(at - now), at - now)
    yield* TestServices.provideLive(Effect.sleep("1 millis"))
  }
  return yield* Effect.dieMessage("the client never waited for a retry")
})

// A call that a 503 fails once: fork it, move the clock past the retry's wait, join it.
export const statusAfterOneRetry = (baseUrl: string) =>
  Effect.gen(function*() {
    const call = yield* Effect.fork(
      Effect.flatMap(ApiClient.ApiClient, (client) => client.get("/contacts")).pipe(Effect.provide(TestApi(baseUrl)))
    )
    const waited = yield* nextRetry
    const response = yield* Fiber.join(call)
    return { waited, status: response.status }
  })
