/**
 * A real `@effect/platform-node` server on 127.0.0.1 and a plain `fetch` client for the tests.
 */
import { HttpServer } from "@effect/platform"
import type { HttpApp } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Layer } from "effect"
import { createServer } from "node:http"
import * as Net from "node:net"

export class BaseUrl extends Context.Tag("test/BaseUrl")<BaseUrl, string>() {}

const baseUrl = Layer.effect(
  BaseUrl,
  Effect.flatMap(HttpServer.HttpServer, (server) =>
    server.address._tag === "TcpAddress"
      ? Effect.succeed(`http://127.0.0.1:${server.address.port}`)
      : Effect.dieMessage("expected a TCP address"))
)

/** The Node HTTP server on a free loopback port. */
export const nodeServer = NodeHttpServer.layer(() => createServer(), { port: 0, host: "127.0.0.1" })

/** Serves `app` on a free loopback port; `BaseUrl` says where. */
export const serveApp = <E, R>(app: HttpApp.Default<E, R>) =>
  Layer.mergeAll(HttpServer.serve(app), baseUrl).pipe(Layer.provide(nodeServer))

/** Serves a whole server layer (an `HttpApiBuilder.serve()` for instance) and gives its base URL. */
export const serveLayer = <E, R>(layer: Layer.Layer<never, E, R>) =>
  Layer.mergeAll(layer, baseUrl).pipe(Layer.provide(nodeServer))

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
    Effect.async<string>((resume) => {
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
