/**
 * A plain `node:http` server on 127.0.0.1 for the client tests: it counts and records what it
 * receives, answers with a handler, and closes (connections included) when the test's scope ends.
 */
import * as TestClock from "effect/TestClock"
import { Chunk, Effect, Scope } from "effect"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"

export interface Received {
  readonly method: string
  readonly url: string
  readonly headers: IncomingMessage["headers"]
}

export interface Served {
  readonly status: number
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string | Uint8Array
}

/** `n` counts from 1. */
export type Handler = (request: IncomingMessage, response: ServerResponse, n: number) => void

export interface TestServer {
  readonly url: string
  readonly received: ReadonlyArray<Received>
  readonly count: () => number
  /** Resumes once the server has seen `n` requests in all. */
  readonly waitForRequests: (n: number) => Effect.Effect<void>
}

export const send = (response: ServerResponse, served: Served): void => {
  response.writeHead(served.status, served.headers ?? {})
  response.end(served.body ?? "")
}

/** The nth request gets the nth answer; the last one repeats. */
export const sequence = (answers: ReadonlyArray<Served>): Handler => (_request, response, n) => {
  const served = answers[Math.min(n, answers.length) - 1]
  if (served === undefined) {
    response.writeHead(500)
    response.end()
    return
  }
  send(response, served)
}

export const always = (served: Served): Handler => sequence([served])

interface Running extends TestServer {
  readonly close: () => Promise<void>
}

const portOf = (server: Server): number => {
  const address = server.address()
  return typeof address === "object" && address !== null ? address.port : 0
}

const start = (handler: Handler): Effect.Effect<Running> =>
  Effect.async<Running>((resume) => {
    const received: Array<Received> = []
    const waiters: Array<{ readonly n: number; readonly done: () => void }> = []
    const server = createServer((request, response) => {
      received.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers })
      const n = received.length
      // Drain the request body so keep-alive connections stay usable.
      request.resume()
      handler(request, response, n)
      for (const waiter of waiters.filter((w) => w.n <= n)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.done()
      }
    })
    server.listen(0, "127.0.0.1", () => {
      resume(Effect.succeed({
        url: `http://127.0.0.1:${portOf(server)}`,
        received,
        count: () => received.length,
        waitForRequests: (n) =>
          Effect.async<void>((done) => {
            if (received.length >= n) return done(Effect.void)
            const waiter = { n, done: () => done(Effect.void) }
            waiters.push(waiter)
            return Effect.sync(() => {
              const i = waiters.indexOf(waiter)
              if (i >= 0) waiters.splice(i, 1)
            })
          }),
        close: () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections()
            server.close(() => resolve())
          })
      }))
    })
  })

export const make = (handler: Handler): Effect.Effect<TestServer, never, Scope.Scope> =>
  Effect.acquireRelease(start(handler), (server) => Effect.promise(() => server.close()))

/** A port nothing listens on: a server is started to get a free port, then closed. */
export const refusedUrl: Effect.Effect<string> = Effect.async<string>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const port = portOf(server)
    server.close(() => resume(Effect.succeed(`http://127.0.0.1:${port}`)))
  })
})

/** Waits, in real time, for a short moment: lets sockets and servers do their work. */
export const liveTick = (millis = 1): Effect.Effect<void> =>
  Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, millis)))

/**
 * The per-attempt timeout the test layers set: far longer than any wait a test drives, so the
 * sleep of the client's timeout watchdog is never taken for a retry's wait (`nextSleep` looks at
 * most `drivenHorizonMillis` ahead). Tests of the timeout itself set a short one and drive it.
 */
export const attemptTimeout = "1 hour"

const drivenHorizonMillis = 30 * 60 * 1000

/**
 * Waits (in real time) until some fiber sleeps on the `TestClock`, and returns how long that sleep
 * is: the delay the client chose, to the millisecond. Sleeps more than 30 minutes ahead are the
 * timeout watchdog's (see `attemptTimeout`), and are left alone.
 */
export const nextSleep: Effect.Effect<number> = Effect.gen(function*() {
  for (let i = 0; i < 5_000; i++) {
    const now = yield* TestClock.currentTimeMillis
    const pending = Chunk.toReadonlyArray(yield* TestClock.sleeps()).filter((at) => at > now && at - now < drivenHorizonMillis)
    const first = pending[0]
    if (first !== undefined) return first - now
    yield* liveTick()
  }
  return yield* Effect.dieMessage("no fiber went to sleep on the TestClock")
})

/** Lets the sleeping fiber wake up: advances the TestClock by the pending sleep, and returns it. */
export const wakeUp: Effect.Effect<number> = Effect.tap(nextSleep, (millis) => TestClock.adjust(millis))
