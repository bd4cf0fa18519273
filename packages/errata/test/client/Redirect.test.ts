import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { ApiClient } from "errata/client"
import type { IncomingMessage } from "node:http"
import * as TestServer from "./TestServer.js"

const clients: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["NodeHttpClient.layerUndici", NodeHttpClient.layerUndici],
  ["NodeHttpClient.layerNodeHttp (node:http)", NodeHttpClient.layerNodeHttp],
  ["FetchHttpClient.layer", FetchHttpClient.layer]
]

const apiKey = "sk_test_redirect"

const withClient = <A, E>(
  http: Layer.Layer<HttpClient.HttpClient>,
  baseUrl: string,
  f: (client: ApiClient.Client) => Effect.Effect<A, E>,
  retry: ApiClient.Options["retry"] = false
) =>
  Effect.flatMap(ApiClient.ApiClient, f).pipe(
    Effect.provide(ApiClient.layer({ baseUrl, apiKey, retry }).pipe(Layer.provide(http)))
  )

const postTo = (paths: ReadonlyArray<string>) => (client: ApiClient.Client) =>
  Effect.forEach(paths, (path) => Effect.flatMap(HttpClientRequest.post(path).pipe(HttpClientRequest.bodyJson({ name: "Ada" })), client.execute))

const json = "application/json"
const body = '{"name":"Ada"}'

interface Seen {
  readonly method: string
  readonly url: string
  readonly authorization: string | undefined
  readonly contentType: string | undefined
  readonly idempotencyKey: string | undefined
  readonly body: string
}

/** A server that records each request with its body, and answers by path: `redirects` maps a path to its status and Location. */
const redirecting = (redirects: Record<string, readonly [number, string]>) =>
  Effect.suspend(() => {
    const seen: Array<Seen> = []
    const header = (request: IncomingMessage, name: string) => {
      const value = request.headers[name]
      return typeof value === "string" ? value : undefined
    }
    return Effect.map(
      TestServer.make((request, response) => {
        const chunks: Array<Buffer> = []
        request.on("data", (chunk: Buffer) => chunks.push(chunk))
        request.on("end", () => {
          const url = request.url ?? ""
          seen.push({
            method: request.method ?? "",
            url,
            authorization: header(request, "authorization"),
            contentType: header(request, "content-type"),
            idempotencyKey: header(request, "idempotency-key"),
            body: Buffer.concat(chunks).toString()
          })
          const target = redirects[url.split("?")[0] ?? ""]
          if (target === undefined) return TestServer.send(response, { status: 200, headers: { "content-type": "application/json" }, body: '{"data":{}}' })
          TestServer.send(response, { status: target[0], headers: { location: target[1] }, body: "moved" })
        })
      }),
      (server) => ({ ...server, seen })
    )
  })

describe("redirects: followed the way fetch follows them, whatever the client underneath", () => {
  for (const [name, http] of clients) {
    it.effect(`a GET follows 301, 302, 303, 307 and 308, keeping the key on the same origin (${name})`, () =>
      Effect.gen(function*() {
        const server = yield* redirecting({
          "/a": [301, "/b"],
          "/b": [302, "/c?x=1"],
          "/c": [303, "/d"],
          "/d": [307, "/e"],
          "/e": [308, "/f"]
        })
        const status = yield* withClient(http, server.url, (client) => Effect.map(client.get("/a"), (r) => r.status))
        expect(status).toBe(200)
        expect(server.seen.map((s) => [s.method, s.url])).toEqual([
          ["GET", "/a"],
          ["GET", "/b"],
          ["GET", "/c?x=1"],
          ["GET", "/d"],
          ["GET", "/e"],
          ["GET", "/f"]
        ])
        expect(server.seen.every((s) => s.authorization === `Bearer ${apiKey}`)).toBe(true)
      }))

    it.effect(`303, and 301 or 302 after a POST, continue as a GET without the body (${name})`, () =>
      Effect.gen(function*() {
        const server = yield* redirecting({ "/see-other": [303, "/done"], "/moved": [301, "/done"], "/found": [302, "/done"] })
        yield* withClient(http, server.url, postTo(["/see-other", "/moved", "/found"]))
        expect(server.seen.map((s) => [s.method, s.url, s.body, s.contentType])).toEqual([
          ["POST", "/see-other", body, json],
          ["GET", "/done", "", undefined],
          ["POST", "/moved", body, json],
          ["GET", "/done", "", undefined],
          ["POST", "/found", body, json],
          ["GET", "/done", "", undefined]
        ])
      }))

    it.effect(`a redirect to another origin does not take the API key there (${name})`, () =>
      Effect.gen(function*() {
        const other = yield* redirecting({})
        const server = yield* redirecting({ "/away": [302, `${other.url}/landed`] })
        const status = yield* withClient(http, server.url, (client) => Effect.map(client.get("/away"), (r) => r.status))
        expect(status).toBe(200)
        expect(server.seen[0]?.authorization).toBe(`Bearer ${apiKey}`)
        expect(other.seen.map((s) => [s.url, s.authorization])).toEqual([["/landed", undefined]])
      }))

    it.effect(`a 3xx without a Location is not followed: it is an UnexpectedResponse (${name})`, () =>
      Effect.gen(function*() {
        const server = yield* TestServer.make(TestServer.always({ status: 300, headers: { "x-request-id": "req_300" }, body: "choose" }))
        const error = yield* withClient(http, server.url, (client) => Effect.flip(client.get("/choices")))
        expect(error).toMatchObject({ _tag: "UnexpectedResponse", status: 300, requestId: "req_300" })
      }))
  }

  for (const [name, http] of clients.filter(([name]) => name.startsWith("NodeHttpClient"))) {
    it.effect(`307 and 308 keep the method and the body, and a create keeps its Idempotency-Key (${name})`, () =>
      Effect.gen(function*() {
        const server = yield* redirecting({ "/temporary": [307, "/done"], "/permanent": [308, "/done"] })
        yield* withClient(http, server.url, postTo(["/temporary", "/permanent"]), { times: 0 })
        expect(server.seen.map((s) => [s.method, s.url, s.body, s.contentType])).toEqual([
          ["POST", "/temporary", body, json],
          ["POST", "/done", body, json],
          ["POST", "/permanent", body, json],
          ["POST", "/done", body, json]
        ])
        const [temporary, resent] = server.seen
        expect(temporary?.idempotencyKey).toBeDefined()
        expect(resent?.idempotencyKey).toBe(temporary?.idempotencyKey)
      }))
  }

  it.effect("Node's fetch cannot re-send a body on 307 or 308: a transport failure of its own", () =>
    Effect.gen(function*() {
      const server = yield* redirecting({ "/temporary": [307, "/done"] })
      const error = yield* Effect.flip(withClient(FetchHttpClient.layer, server.url, postTo(["/temporary"])))
      expect(error).toMatchObject({ _tag: "HttpClientError", reason: { _tag: "TransportError" } })
    }))

  it.effect("at most 20 in a row: the 21st redirect is the error (NodeHttpClient), as fetch's limit is", () =>
    Effect.gen(function*() {
      const server = yield* redirecting({ "/loop": [302, "/loop"] })
      const error = yield* withClient(NodeHttpClient.layerUndici, server.url, (client) => Effect.flip(client.get("/loop")))
      expect(error).toMatchObject({ _tag: "UnexpectedResponse", status: 302 })
      expect(server.count()).toBe(21)
    }))

  it.effect("fetch ends a redirect loop with a transport failure of its own after the same 20", () =>
    Effect.gen(function*() {
      const server = yield* redirecting({ "/loop": [302, "/loop"] })
      const error = yield* withClient(FetchHttpClient.layer, server.url, (client) => Effect.flip(client.get("/loop")))
      expect(error).toMatchObject({ _tag: "HttpClientError", reason: { _tag: "TransportError" } })
      expect(server.count()).toBe(21)
    }))

  it.effect("decodeErrors on a client of your own leaves redirects to that client", () =>
    Effect.gen(function*() {
      const server = yield* redirecting({ "/a": [302, "/b"] })
      const error = yield* HttpClient.HttpClient.pipe(
        Effect.map((client) => client.pipe(ApiClient.decodeErrors())),
        Effect.flatMap((client) => Effect.flip(client.get(`${server.url}/a`))),
        Effect.provide(NodeHttpClient.layerUndici)
      )
      expect(error).toMatchObject({ _tag: "UnexpectedResponse", status: 302 })
      expect(server.count()).toBe(1)
    }))
})
