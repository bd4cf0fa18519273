/**
 * Runs the reference API on a free 127.0.0.1 port for a test, with its own state, and collects
 * the server's log lines so tests can match request IDs against them.
 */
import { NodeHttpClient } from "@effect/platform-node"
import type { ApiKeys } from "@errata/reference"
import { Effect, Layer, Logger, References, type Scope } from "effect"
import type { HttpClient } from "effect/http"
import { issueDemoKeys } from "../src/Keys.js"
import { boundPort, serverLayer, ServicesLive } from "../src/Server.js"

/** One line the server logged. */
export interface LogLine {
  readonly level: string
  readonly message: string
  readonly requestId: string | undefined
  readonly annotations: Readonly<Record<string, unknown>>
}

/** A running server: where, with which keys, and what it logged so far. */
export interface Running {
  readonly baseUrl: string
  readonly keys: ApiKeys.DemoKeys
  readonly logs: ReadonlyArray<LogLine>
}

/** The HTTP client the tests' tours use. */
export const ClientLive = NodeHttpClient.layerUndici

/**
 * An Undici client whose connections leave from `localAddress` (a loopback address such as
 * `127.0.0.7`), on an agent of its own that closes with the scope: the server counts some answers
 * (401s) per client address, so a test can give each part of its traffic an address of its own.
 */
export const clientFrom = (localAddress: string): Effect.Effect<HttpClient.HttpClient, never, Scope.Scope> =>
  NodeHttpClient.makeUndici.pipe(
    Effect.provideServiceEffect(NodeHttpClient.Dispatcher, NodeHttpClient.makeDispatcherOptions({ localAddress }))
  )

/**
 * A scoped reference API (it stops with the test's scope), with the context it runs in (its
 * services: `Keys`, `Faults`, …) for tests that reach into its state; `logs` fills as the server logs.
 */
export const startServer = Effect.gen(function*() {
  const logs: Array<LogLine> = []
  const collector = Logger.make(({ fiber, logLevel, message }) => {
    const annotations = fiber.getRef(References.CurrentLogAnnotations)
    const requestId = annotations["requestId"]
    logs.push({
      level: logLevel,
      message: Array.isArray(message) ? message.map(String).join(" ") : String(message),
      requestId: typeof requestId === "string" ? requestId : undefined,
      annotations
    })
  })
  const context = yield* Layer.build(
    serverLayer(0).pipe(
      Layer.provide(Logger.layer([collector])),
      Layer.provideMerge(ServicesLive)
    )
  )
  const port = yield* Effect.provideContext(boundPort, context)
  const keys = yield* Effect.provideContext(issueDemoKeys, context)
  const running: Running = { baseUrl: `http://127.0.0.1:${port}`, keys, logs }
  return { running, context }
})

/** A scoped reference API (it stops with the test's scope); `logs` fills as the server logs. */
export const runServer = Effect.map(startServer, ({ running }) => running)
