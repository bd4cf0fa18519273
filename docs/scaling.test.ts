/**
 * Runs the examples of docs/scaling.md against a loopback server that is down (503 to everything)
 * and then comes back. Backoff waits are virtual: the TestClock is moved on whenever the program
 * sleeps, and the retry budget reads the same clock.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ApiClient } from "@errata/client"
import { ApiError, Wire } from "@errata/core"
import { Effect, Layer } from "effect"
import * as Budget from "./examples/scaling-retry-budget.js"
import { listen, withVirtualTime } from "./support.js"

interface Switchable {
  readonly url: string
  readonly count: () => number
  readonly setHealthy: (healthy: boolean) => void
}

const server = Effect.suspend(() => {
  let received = 0
  let healthy = false
  const unavailable = JSON.stringify(Wire.encode(new ApiError.ServiceUnavailable()).body)
  return Effect.map(
    listen((request, response) => {
      received++
      request.resume()
      if (healthy) {
        response.writeHead(200, { "content-type": "application/json" })
        return response.end("{}")
      }
      response.writeHead(503, { "content-type": "application/json" })
      response.end(unavailable)
    }),
    (url): Switchable => ({
      url,
      count: () => received,
      setHealthy: (value) => {
        healthy = value
      }
    })
  )
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
