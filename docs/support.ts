/**
 * What the docs tests share: a plain node:http server on 127.0.0.1 that lives as long as the test's
 * scope, and a driver that runs a program to its end while moving the TestClock on each time it
 * waits for a retry.
 */
import { Chunk, Effect, Fiber, type Scope, TestClock } from "effect"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"

/** Serves `handler` on a free loopback port until the scope closes; gives the base URL. */
export const listen = (
  handler: (request: IncomingMessage, response: ServerResponse) => void
): Effect.Effect<string, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.async<{ readonly url: string; readonly close: () => void }>((resume) => {
        const server = createServer(handler)
        server.listen(0, "127.0.0.1", () => {
          const address = server.address()
          const port = typeof address === "object" && address !== null ? address.port : 0
          resume(Effect.succeed({
            url: `http://127.0.0.1:${port}`,
            close: () => {
              server.closeAllConnections()
              server.close()
            }
          }))
        })
      }),
      (server) => Effect.sync(() => server.close())
    ),
    (server) => server.url
  )

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
      else yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 2)))
    }
  })
