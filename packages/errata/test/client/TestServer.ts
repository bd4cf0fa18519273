/**
 * A plain `node:http` server on 127.0.0.1 for the client tests: it counts and records what it
 * receives, answers with a handler, and closes (connections included) when the test's scope ends.
 *
 * And the TestClock's sleeps: Effect 4's `TestClock` cannot list the sleeps it holds, so a test
 * runs under `spied`, which puts a clock in context that is the test's `TestClock` with its
 * `sleep` recording each duration before it is registered. `nextSleep` then waits (in real time:
 * the server answers in real time) for the client's next sleep, and `wakeUp` moves the clock by
 * it. A sleep recorded is one the next `TestClock.adjust` sees: `adjust` lets the other fibers run
 * before it moves the clock.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Duration from "effect/Duration"
import * as Scope from "effect/Scope"
import { TestClock } from "effect/testing"
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
  Effect.callback<Running>((resume) => {
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
          Effect.callback<void>((done) => {
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
export const refusedUrl: Effect.Effect<string> = Effect.callback<string>((resume) => {
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
 * sleep of an attempt's timeout is never taken for a retry's wait (`nextSleep` looks at most
 * `drivenHorizonMillis` ahead). Tests of the timeout itself set a short one and drive it.
 */
export const attemptTimeout = "1 hour"

const drivenHorizonMillis = 30 * 60 * 1000

interface Spy {
  /** Every sleep started under the spied clock, in milliseconds, in the order they started. */
  readonly started: Array<number>
  /** How many of `started` `nextSleep` has handed out. */
  seen: number
}

const spies = new WeakMap<Clock.Clock, Spy>()

/**
 * Runs a test body under a clock that records its sleeps: the `TestClock` it had, whose `sleep`
 * notes each duration first. Fibers forked inside inherit it.
 */
export const spied = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  TestClock.testClockWith((testClock) => {
    const spy: Spy = { started: [], seen: 0 }
    const clock: TestClock.TestClock = {
      ...testClock,
      sleep: (duration: Duration.Duration) =>
        Effect.suspend(() => {
          spy.started.push(Duration.toMillis(duration))
          return testClock.sleep(duration)
        })
    }
    spies.set(clock, spy)
    return Effect.provideService(effect, Clock.Clock, clock)
  })

/** The sleeps recorded so far under `spied`, whether handed out by `nextSleep` or not. */
export const startedSleeps: Effect.Effect<ReadonlyArray<number>> = Effect.clockWith((clock) =>
  Effect.succeed(spies.get(clock)?.started.slice() ?? [])
)

/**
 * Waits (in real time) until some fiber sleeps on the `TestClock`, and returns how long that sleep
 * is: the delay the client chose, to the millisecond. Sleeps 30 minutes or longer are the
 * attempts' timeouts (see `attemptTimeout`), and are passed over.
 */
export const nextSleep: Effect.Effect<number> = Effect.clockWith((clock) =>
  Effect.gen(function*() {
    const spy = spies.get(clock)
    if (spy === undefined) return yield* Effect.die(new Error("nextSleep needs a test body run under TestServer.spied"))
    for (let i = 0; i < 5_000; i++) {
      while (spy.seen < spy.started.length) {
        const millis = spy.started[spy.seen++] ?? 0
        if (millis > 0 && millis < drivenHorizonMillis) return millis
      }
      yield* liveTick()
    }
    return yield* Effect.die(new Error("no fiber went to sleep on the TestClock"))
  })
)

/** Lets the sleeping fiber wake up: advances the TestClock by the pending sleep, and returns it. */
export const wakeUp: Effect.Effect<number> = Effect.tap(nextSleep, (millis) => TestClock.adjust(millis))
