/**
 * A measured outage: a `node:http` server on 127.0.0.1 that answers 503 to everything, and one
 * errata client sending it logical requests at a steady offered rate (open loop: a new request
 * starts on time whatever the earlier ones are doing, as independent users would send them). Each
 * run counts the logical requests started (offered) and the requests the server received (served),
 * with the client's retry budget on (the defaults) or off.
 *
 * `scripts/outage-plot.ts` runs it at several rates and draws `docs/scaling-outage.svg`; run it on
 * its own with `npx vite-node --config vitest.bench.config.ts scripts/outage-plot.ts`.
 *
 * The retry policy is the default one but for the waits (from 100 ms instead of 1 s, so all five
 * retries of a request land within a few seconds of it): the waits decide when retries arrive,
 * not how many, and the budget counts retries.
 */
import { HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { ApiClient } from "@errata/client"
import { ApiError, Wire } from "@errata/core"
import { Clock, Context, Effect, Fiber, Layer } from "effect"
import { createServer } from "node:http"

/** One measured run. */
export interface Run {
  readonly budget: boolean
  /** The rate asked for, logical requests per second. */
  readonly ratePerSecond: number
  readonly seconds: number
  /** Logical requests started. */
  readonly offered: number
  /** Requests the server received, retries included, once every logical request had ended. */
  readonly served: number
  /** Logical requests that ended in an error (all of them, in an outage). */
  readonly failed: number
}

const unavailable = (() => {
  const encoded = Wire.encode(new ApiError.ServiceUnavailable())
  const body = JSON.stringify(encoded.body)
  return { headers: { ...encoded.headers, "content-length": String(Buffer.byteLength(body)) }, body }
})()

/** The server that is down: it counts what it receives and answers 503. */
const outageServer = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly count: () => number; readonly close: () => void }>((resume) => {
    let received = 0
    const server = createServer((request, response) => {
      received++
      request.resume()
      response.writeHead(503, unavailable.headers)
      response.end(unavailable.body)
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resume(Effect.succeed({
        url: `http://127.0.0.1:${port}`,
        count: () => received,
        close: () => {
          server.closeAllConnections()
          server.close()
        }
      }))
    })
  }),
  (server) => Effect.sync(() => server.close())
)

// How often the pacer wakes up to start the requests that are due.
const TICK_MILLIS = 10

/**
 * Offers `ratePerSecond` logical requests per second for `seconds` to a server in a full outage,
 * through one errata client (one retry budget), and waits for every request to end.
 */
export const simulate = (options: { readonly ratePerSecond: number; readonly seconds: number; readonly budget: boolean }) =>
  Effect.scoped(Effect.gen(function*() {
    const server = yield* outageServer
    const http = yield* Layer.build(NodeHttpClient.layerUndici)
    const client = ApiClient.fromHttpClient(Context.get(http, HttpClient.HttpClient), {
      baseUrl: server.url,
      apiKey: "sk_live_outage",
      retry: { base: "100 millis", ...(options.budget ? {} : { retryBudget: false }) }
    })
    let failed = 0
    const request = client.get("/contacts").pipe(
      Effect.flatMap((response) => response.text),
      Effect.asVoid,
      Effect.catchAll(() =>
        Effect.sync(() => {
          failed++
        })
      )
    )
    const start = yield* Clock.currentTimeMillis
    const end = start + options.seconds * 1000
    const fibers: Array<Fiber.RuntimeFiber<void>> = []
    let offered = 0
    for (;;) {
      const now = yield* Clock.currentTimeMillis
      // Catch up to the schedule: as many requests as are due by now, however late the tick.
      const due = Math.floor((Math.min(now, end) - start) / 1000 * options.ratePerSecond)
      for (; offered < due; offered++) fibers.push(yield* Effect.fork(request))
      if (now >= end) break
      yield* Effect.sleep(TICK_MILLIS)
    }
    yield* Fiber.joinAll(fibers)
    const run: Run = { ...options, offered, served: server.count(), failed }
    return run
  }))
