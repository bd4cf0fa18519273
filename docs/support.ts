/**
 * What the docs tests share: the client tests' node:http server on 127.0.0.1, which lives as long
 * as the test's scope, and a driver that runs a program to its end while moving the TestClock on
 * each time it waits for a retry.
 */
import { Chunk, Effect, Fiber, type Scope, TestClock } from "effect"
import type { IncomingMessage, ServerResponse } from "node:http"
import * as TestServer from "../packages/client/test/TestServer.js"

/** Serves `handler` on a free loopback port until the scope closes; gives the base URL. */
export const listen = (
  handler: (request: IncomingMessage, response: ServerResponse) => void
): Effect.Effect<string, never, Scope.Scope> => Effect.map(TestServer.make(handler), (server) => server.url)

/** Runs an effect to its end, moving the TestClock on each time it waits for a retry. */
export const withVirtualTime = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    for (;;) {
      const done = yield* Fiber.poll(fiber)
      if (done._tag === "Some") return yield* Fiber.join(fiber)
      const now = yield* TestClock.currentTimeMillis
      const next = Chunk.toReadonlyArray(yield* TestClock.sleeps()).filter((at) => at > now).sort((a, b) => a - b)[0]
      if (next !== undefined) yield* TestClock.adjust(next - now)
      else yield* TestServer.liveTick(2)
    }
  })
