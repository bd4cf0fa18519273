/**
 * Runs the reference API on a free 127.0.0.1 port for a test, with its own state, and collects
 * the server's log lines so tests can match request IDs against them.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, HashMap, Layer, Logger, Option } from "effect"
import { type DemoKeys, issueDemoKeys } from "../src/Keys.js"
import { boundPort, serverLayer, ServicesLive } from "../src/Server.js"

export interface LogLine {
  /** The level's label: `INFO`, `WARN`, `ERROR`, … */
  readonly level: string
  readonly message: string
  readonly requestId: string | undefined
  readonly annotations: Readonly<Record<string, unknown>>
}

export interface Running {
  readonly baseUrl: string
  readonly keys: DemoKeys
  readonly logs: ReadonlyArray<LogLine>
}

/** A scoped reference API; `logs` fills as the server logs. */
export const runServer = Effect.gen(function*() {
  const logs: Array<LogLine> = []
  const collector = Logger.make(({ annotations, logLevel, message }) => {
    const text = Array.isArray(message) ? message.map(String).join(" ") : String(message)
    const record = Object.fromEntries(HashMap.toEntries(annotations))
    const requestId = Option.getOrUndefined(HashMap.get(annotations, "requestId"))
    logs.push({
      level: logLevel.label,
      message: text,
      requestId: typeof requestId === "string" ? requestId : undefined,
      annotations: record
    })
  })
  const context = yield* Layer.build(
    serverLayer(0).pipe(
      Layer.provide(Logger.replace(Logger.defaultLogger, collector)),
      Layer.provideMerge(ServicesLive)
    )
  )
  const port = yield* Effect.provide(boundPort, context)
  const keys = yield* Effect.provide(issueDemoKeys, context)
  const running: Running = { baseUrl: `http://127.0.0.1:${port}`, keys, logs }
  return { running, context }
})

export const ClientLive = NodeHttpClient.layerUndici
