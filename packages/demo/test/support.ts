/**
 * Runs the reference API on a free 127.0.0.1 port for a test, with its own state, and collects
 * the server's log lines so tests can match request IDs against them.
 */
import { type HttpApp, HttpServerRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, HashMap, Layer, Logger, Option } from "effect"
import type { ApiKeys } from "@errata/reference"
import { issueDemoKeys } from "../src/Keys.js"
import { boundPort, serverLayer, ServicesLive } from "../src/Server.js"

export interface LogLine {
  /** The level's label: `INFO`, `WARN`, `ERROR`, … */
  readonly level: string
  readonly message: string
  readonly requestId: string | undefined
  readonly annotations: Readonly<Record<string, unknown>>
}

/** A response the server sent, as the client got it (errata's middleware had its say). */
export interface Recorded {
  readonly method: string
  /** The request's URL: path and query. */
  readonly url: string
  readonly status: number
  /** Lower-case names, as the platform keeps them. */
  readonly headers: Readonly<Record<string, string>>
  /** The body as text; `undefined` for a streamed one (the docs page's assets). */
  readonly body: string | undefined
}

export interface Running {
  readonly baseUrl: string
  readonly keys: ApiKeys.DemoKeys
  readonly logs: ReadonlyArray<LogLine>
  /** Every response the server sent, in order; the tests check them against the OpenAPI document. */
  readonly responses: ReadonlyArray<Recorded>
}

const decoder = new TextDecoder()

// Outside errata's middleware, so each response is recorded with its X-Request-ID and final status.
const recorder = (into: Array<Recorded>) => (app: HttpApp.Default): HttpApp.Default =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    Effect.tap(app, (response) =>
      Effect.sync(() => {
        const body = response.body
        into.push({
          method: request.method,
          url: request.url,
          status: response.status,
          // The platform writes the body's content type into the header when it sends the response.
          headers: {
            ...response.headers,
            ...(body._tag === "Uint8Array" || (body._tag === "Raw" && body.contentType !== undefined)
              ? { "content-type": body.contentType ?? "" }
              : {})
          },
          body: body._tag === "Uint8Array" ? decoder.decode(body.body) : body._tag === "Empty" ? "" : undefined
        })
      })))

/** A scoped reference API; `logs` fills as the server logs. */
export const runServer = Effect.gen(function*() {
  const logs: Array<LogLine> = []
  const responses: Array<Recorded> = []
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
    serverLayer(0, recorder(responses)).pipe(
      Layer.provide(Logger.replace(Logger.defaultLogger, collector)),
      Layer.provideMerge(ServicesLive)
    )
  )
  const port = yield* Effect.provide(boundPort, context)
  const keys = yield* Effect.provide(issueDemoKeys, context)
  const running: Running = { baseUrl: `http://127.0.0.1:${port}`, keys, logs, responses }
  return { running, context }
})

export const ClientLive = NodeHttpClient.layerUndici
