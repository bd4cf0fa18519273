/**
 * Runs the examples of docs/scaling.md against a loopback server that is down (503 to everything)
 * and then comes back. Backoff waits are virtual: the TestClock is moved on whenever the program
 * sleeps, and the retry budget reads the same clock.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ApiClient } from "@errata/client"
import { ApiError, Wire } from "@errata/core"
import { Chunk, Effect, Fiber, Layer, TestClock } from "effect"
import { createServer } from "node:http"
import * as Budget from "./examples/scaling-retry-budget.js"

interface Switchable {
  readonly url: string
  readonly count: () => number
  readonly setHealthy: (healthy: boolean) => void
}

const server = Effect.acquireRelease(
  Effect.async<Switchable & { readonly close: () => void }>((resume) => {
    let received = 0
    let healthy = false
    const unavailable = JSON.stringify(Wire.encode(new ApiError.ServiceUnavailable()).body)
    const http = createServer((request, response) => {
      received++
      request.resume()
      if (healthy) {
        response.writeHead(200, { "content-type": "application/json" })
        return response.end("{}")
      }
      response.writeHead(503, { "content-type": "application/json" })
      response.end(unavailable)
    })
    http.listen(0, "127.0.0.1", () => {
      const address = http.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resume(Effect.succeed({
        url: `http://127.0.0.1:${port}`,
        count: () => received,
        setHealthy: (value) => {
          healthy = value
        },
        close: () => {
          http.closeAllConnections()
          http.close()
        }
      }))
    })
  }),
  (s) => Effect.sync(() => s.close())
)

/** Runs an effect to its end, moving the TestClock on each time it waits for a retry. */
const withVirtualTime = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    for (;;) {
      const done = yield* Fiber.poll(fiber)
      if (done._tag === "Some") return yield* Fiber.join(fiber)
      const now = yield* TestClock.currentTimeMillis
      const next = Chunk.toReadonlyArray(yield* TestClock.sleeps()).filter((at) => at > now).sort((a, b) => a - b)[0]
      if (next !== undefined) yield* TestClock.adjust(next - now)
      else yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 2)))
    }
  })

describe("scaling docs examples", () => {
  it.scoped("retry budget: in an outage 100 lookups cost the server 120 requests, not 600; then all recover", () =>
    Effect.gen(function*() {
      const api = yield* server
      const ids = Array.from({ length: 100 }, (_, i) => `c_${i}`)
      const program = Effect.gen(function*() {
        const down = yield* withVirtualTime(Budget.lookUpAll(ids))
        const servedInOutage = api.count()
        api.setHealthy(true)
        const up = yield* Budget.lookUpAll(ids)
        return { down, servedInOutage, up }
      })
      const { down, servedInOutage, up } = yield* program.pipe(Effect.provide(Budget.ApiLive(api.url, "sk_live_docs")))
      expect(down).toEqual(ids.map(() => "ServiceUnavailable"))
      // The reserve: 2 retries per second over the 10 s window, 20 retries in all.
      expect(servedInOutage).toBe(100 + 20)
      expect(up).toEqual(ids.map(() => "ok"))
    }))

  it.scoped("the same outage without the budget: every lookup is sent 6 times", () =>
    Effect.gen(function*() {
      const api = yield* server
      const ids = Array.from({ length: 100 }, (_, i) => `c_${i}`)
      const unbudgeted = ApiClient.layer({ baseUrl: api.url, apiKey: "sk_live_docs", retry: { times: 5, retryBudget: false } }).pipe(
        Layer.provide(NodeHttpClient.layerUndici)
      )
      yield* withVirtualTime(Budget.lookUpAll(ids)).pipe(Effect.provide(unbudgeted))
      expect(api.count()).toBe(600)
    }))
})
