/**
 * What the docs tests share: the client tests' node:http server on 127.0.0.1, which lives as long
 * as the test's scope, and a driver that runs a program to its end while moving the TestClock on
 * each time it waits for a retry.
 */
import { Chunk, Effect, Fiber, type Scope, TestClock } from "effect"
import type { IncomingMessage, ServerResponse } from "node:http"
import * as TestServer from "../packages/client/test/TestServer.js"

// Requests the servers of `listen` have received and not yet answered.
let open = 0

/** Serves `handler` on a free loopback port until the scope closes; gives the base URL. */
export const listen = (
  handler: (request: IncomingMessage, response: ServerResponse) => void
): Effect.Effect<string, never, Scope.Scope> =>
  Effect.map(
    TestServer.make((request, response) => {
      open++
      let answered = false
      const settle = () => {
        if (!answered) open--
        answered = true
      }
      response.once("finish", settle)
      response.once("close", settle)
      handler(request, response)
    }),
    (server) => server.url
  )

// The client's default per-attempt timeout. Its watchdog sleeps on the TestClock too, until the
// deadline of the oldest attempt in flight: the instant that attempt started plus the timeout.
const attemptTimeoutMillis = 60_000

/**
 * Runs an effect to its end, moving the TestClock on each time it waits for a retry. Time only
 * moves while no request is open on the servers of `listen`, and real time passes after each move
 * so that the fibers it woke send their requests: a request under way never sees more than a wait
 * or two go by. The client's timeout watchdog sleeps on the same clock, until an instant the clock
 * has shown plus the timeout (`attemptTimeoutMillis`, the client's default, unless told): those
 * sleeps are left alone, since moving the clock to them would time out a request in flight.
 */
export const withVirtualTime = <A, E, R>(effect: Effect.Effect<A, E, R>, attemptTimeout = attemptTimeoutMillis) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    const shown = new Set<number>([yield* TestClock.currentTimeMillis])
    for (;;) {
      const done = yield* Fiber.poll(fiber)
      if (done._tag === "Some") return yield* Fiber.join(fiber)
      const now = yield* TestClock.currentTimeMillis
      shown.add(now)
      const next = Chunk.toReadonlyArray(yield* TestClock.sleeps())
        .filter((at) => at > now && !shown.has(at - attemptTimeout))
        .sort((a, b) => a - b)[0]
      if (next !== undefined && open === 0) {
        yield* TestClock.adjust(next - now)
        yield* TestServer.liveTick(1)
      } else yield* TestServer.liveTick(2)
    }
  })
