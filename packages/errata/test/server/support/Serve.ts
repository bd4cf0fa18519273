/**
 * Real Node servers on 127.0.0.1 (free ports) for the server tests, and plain `fetch` and raw
 * socket clients.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Layer } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { createServer } from "node:http"
import * as Net from "node:net"
import { ServerErrors } from "errata/server"
import * as NodeServer from "errata/server/NodeServer"

export class Port extends Context.Service<Port, number>()("test/Port") {}

export class BaseUrl extends Context.Service<BaseUrl, string>()("test/BaseUrl") {}

const address = Layer.effectContext(
  Effect.flatMap(HttpServer.HttpServer, (server) =>
    server.address._tag === "UnixPathAddress"
      ? Effect.die(new Error("expected a TCP address"))
      : Effect.succeed(
        Context.make(Port, server.address.port).pipe(Context.add(BaseUrl, `http://127.0.0.1:${server.address.port}`))
      ))
)

/** errata's Node server on a free loopback port. */
export const errataServer = (options: Parameters<typeof NodeServer.layer>[0] = {}) =>
  NodeServer.layer({ port: 0, host: "127.0.0.1", ...options })

/** The platform's own Node server on a free loopback port. */
export const platformServer = NodeHttpServer.layer(() => createServer(), { port: 0, host: "127.0.0.1" })

const quiet = { disableListenLog: true, disableLogger: true } as const

/**
 * Serves routes (or an `HttpApiBuilder.layer`) behind `ServerErrors.layer(options)` with errata's
 * Node server; `Port` and `BaseUrl` say where.
 */
export const serve = <E, R>(
  app: Layer.Layer<never, E, R>,
  options: {
    readonly errors?: ServerErrors.Options
    readonly server?: Parameters<typeof NodeServer.layer>[0]
    readonly logger?: boolean
    readonly routerConfig?: { readonly maxParamLength: number }
  } = {}
) =>
  Layer.mergeAll(
    HttpRouter.serve(Layer.mergeAll(app, ServerErrors.layer(options.errors)), {
      disableListenLog: true,
      disableLogger: options.logger !== true,
      ...(options.routerConfig === undefined ? {} : { routerConfig: options.routerConfig })
    }),
    address
  ).pipe(Layer.provide(errataServer(options.server)))

/** Serves routes as they are, without errata's middleware (its own layer, its own server). */
export const servePlain = <E, R>(app: Layer.Layer<never, E, R>) =>
  Layer.mergeAll(HttpRouter.serve(app, quiet), address).pipe(Layer.provide(platformServer))

export interface Received {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly bytes: Uint8Array
  readonly json: unknown
}

/** A body parsed as JSON, `undefined` when it is not JSON. */
export const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** One request with plain `fetch`; the body is read whole. */
export const send = (path: string, init: RequestInit = {}) =>
  Effect.flatMap(BaseUrl, (base) =>
    Effect.promise(async (): Promise<Received> => {
      const response = await fetch(base + path, init)
      const bytes = new Uint8Array(await response.arrayBuffer())
      const text = new TextDecoder().decode(bytes)
      return { status: response.status, headers: response.headers, text, bytes, json: parseJson(text) }
    }))

/**
 * One request written byte by byte on a socket, for headers `fetch` refuses to send (non-ASCII,
 * control characters). Returns the raw response, headers and body, as Latin-1 text.
 */
export const sendRaw = (path: string, headerLines: ReadonlyArray<string>) =>
  Effect.flatMap(BaseUrl, (base) =>
    Effect.callback<string>((resume) => {
      const url = new URL(base)
      const socket = Net.connect(Number(url.port), url.hostname)
      const chunks: Array<Buffer> = []
      socket.on("data", (chunk) => chunks.push(chunk))
      socket.on("end", () => resume(Effect.succeed(Buffer.concat(chunks).toString("latin1"))))
      socket.on("error", () => resume(Effect.succeed(Buffer.concat(chunks).toString("latin1"))))
      socket.write(
        Buffer.from(
          [`GET ${path} HTTP/1.1`, `Host: ${url.host}`, "Connection: close", ...headerLines, "", ""].join("\r\n"),
          "latin1"
        )
      )
      return Effect.sync(() => socket.destroy())
    }))

/** The header block of a raw response, one `name: value` per entry, names lower-cased. */
export const rawHeaders = (raw: string): ReadonlyMap<string, string> => {
  const head = raw.split("\r\n\r\n")[0] ?? ""
  const entries = head.split("\r\n").slice(1).map((line) => {
    const colon = line.indexOf(":")
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()] as const
  })
  return new Map(entries)
}
