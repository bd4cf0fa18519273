/**
 * A real `redis-server` (Debian's package) for the tests: on a free loopback port, with no
 * persistence, stopped when the test's scope closes. When it cannot start, the test fails with
 * the reason; it never skips, so a CI machine without Redis cannot pass these tests by accident.
 */
import { Duration, Effect, Schedule, type Scope } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import * as Net from "node:net"

export interface RedisServer {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string
  readonly port: number
  /** Stops the server (SIGTERM) and waits until it is gone: clients see the connection close. */
  readonly stop: Effect.Effect<void>
  /** Starts it again on the same port, empty, and waits until it answers PING. */
  readonly start: Effect.Effect<void>
  /** Freezes the process (SIGSTOP): connections stay open and nothing is answered. */
  readonly pause: Effect.Effect<void>
  /** Thaws a paused server (SIGCONT). */
  readonly resume: Effect.Effect<void>
}

/** The binary: `REDIS_SERVER` if set, else `redis-server` on the PATH (`/usr/bin` from Debian). */
const binary = process.env["REDIS_SERVER"] ?? "redis-server"

const cannotStart = (reason: string) =>
  `redis-server could not be started (${reason}). The Redis rate-limit tests need it and do not ` +
  `skip: install Debian's redis-server (apt-get install redis-server; pnpm test does where it can) or set REDIS_SERVER.`

const freePort = Effect.async<number, string>((resume) => {
  const server = Net.createServer()
  server.once("error", (error) => resume(Effect.fail(`no free port: ${error.message}`)))
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** One PING on a raw socket; succeeds on +PONG. */
const ping = (port: number) =>
  Effect.async<void, string>((resume) => {
    const socket = Net.connect(port, "127.0.0.1")
    let reply = ""
    socket.setTimeout(500, () => socket.destroy(new Error("no reply to PING")))
    socket.on("connect", () => socket.write("PING\r\n"))
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1")
      if (reply.includes("\r\n")) {
        socket.end()
        resume(reply.startsWith("+PONG") ? Effect.void : Effect.fail(`PING answered ${reply.trim()}`))
      }
    })
    socket.on("error", (error) => resume(Effect.fail(error.message)))
    return Effect.sync(() => socket.destroy())
  })

const exited = (child: ChildProcess) =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
  })

/** Spawns redis-server on `port` and waits (at most 5 s) until it answers; fails with why not. */
const launch = (port: number) =>
  Effect.gen(function*() {
    const child = spawn(
      binary,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"],
      { stdio: ["ignore", "ignore", "pipe"] }
    )
    let stderr = ""
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-2000)
    })
    const failed = Effect.async<never, string>((resume) => {
      const onError = (error: Error) => resume(Effect.fail(error.message))
      const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
        resume(Effect.fail(`exited with ${signal ?? `code ${code}`}${stderr === "" ? "" : `: ${stderr.trim()}`}`))
      child.once("error", onError)
      child.once("exit", onExit)
      return Effect.sync(() => {
        child.off("error", onError)
        child.off("exit", onExit)
      })
    })
    const answering = ping(port).pipe(
      Effect.retry(Schedule.spaced(Duration.millis(20)).pipe(Schedule.upTo(Duration.seconds(5))))
    )
    const up = yield* Effect.either(Effect.raceFirst(answering, failed))
    if (up._tag === "Left") {
      child.kill("SIGKILL")
      return yield* Effect.fail(up.left)
    }
    return child
  })

const kill = (child: ChildProcess, signal: NodeJS.Signals) =>
  Effect.suspend(() => {
    child.kill(signal)
    return exited(child)
  })

/**
 * A running redis-server for the current scope. The test fails (a defect with the reason) when it
 * cannot start; a port taken between the probe and the launch is retried on another, twice.
 */
export const redisServer: Effect.Effect<RedisServer, never, Scope.Scope> = Effect.gen(function*() {
  let port = 0
  let child: ChildProcess | undefined
  for (let attempt = 1; child === undefined; attempt++) {
    port = yield* Effect.orDieWith(freePort, (reason) => new Error(cannotStart(reason)))
    const launched = yield* Effect.either(launch(port))
    if (launched._tag === "Right") child = launched.right
    else if (attempt === 3) return yield* Effect.dieMessage(cannotStart(launched.left))
  }
  let current: ChildProcess = child
  // Should the test process die without closing the scope, the server must not outlive it.
  const onExit = () => current.kill("SIGKILL")
  process.once("exit", onExit)
  yield* Effect.addFinalizer(() =>
    Effect.suspend(() => {
      process.off("exit", onExit)
      current.kill("SIGCONT")
      return kill(current, "SIGKILL")
    })
  )
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: Effect.suspend(() => {
      current.kill("SIGCONT")
      return kill(current, "SIGTERM")
    }),
    start: Effect.gen(function*() {
      current = yield* Effect.orDieWith(launch(port), (reason) => new Error(cannotStart(reason)))
    }),
    pause: Effect.sync(() => {
      current.kill("SIGSTOP")
    }),
    resume: Effect.sync(() => {
      current.kill("SIGCONT")
    })
  }
})
