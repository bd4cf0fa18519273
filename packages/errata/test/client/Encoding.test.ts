import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Schema } from "effect"
import { FetchHttpClient, type HttpClient } from "effect/http"
import { ApiError, Wire } from "errata"
import { ApiClient, Envelope, Retry } from "errata/client"
import type { IncomingMessage, ServerResponse } from "node:http"
import * as zlib from "node:zlib"
import * as TestServer from "./TestServer.js"

const clients: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["NodeHttpClient.layerUndici", NodeHttpClient.layerUndici],
  ["FetchHttpClient.layer", FetchHttpClient.layer]
]

const layerFor = (http: Layer.Layer<HttpClient.HttpClient>, baseUrl: string, options: Partial<ApiClient.Options> = {}) =>
  ApiClient.layer({ baseUrl, apiKey: "sk_test_encoding", retry: false, ...options }).pipe(Layer.provide(http))

const get = (http: Layer.Layer<HttpClient.HttpClient>, baseUrl: string, path: string, options: Partial<ApiClient.Options> = {}) =>
  Effect.flatMap(ApiClient.ApiClient, (client) => client.get(path)).pipe(Effect.provide(layerFor(http, baseUrl, options)))

const notFound = JSON.stringify(Wire.encode(new ApiError.NotFound({ message: "Contact not found" })).body)

const encoders: Record<string, (body: string | Uint8Array) => Uint8Array> = {
  gzip: (body) => zlib.gzipSync(body),
  deflate: (body) => zlib.deflateSync(body),
  br: (body) => zlib.brotliCompressSync(body)
}

/** Serves `body` encoded as `coding` (as named in `Content-Encoding`), with the given status. */
const encoded = (status: number, coding: string, body: Uint8Array): TestServer.Served => ({
  status,
  headers: { "content-type": "application/json", "content-encoding": coding, "x-request-id": `req_${coding}` },
  body
})

describe("Content-Encoding of error bodies", () => {
  for (const [name, http] of clients) {
    for (const coding of ["gzip", "deflate", "br"]) {
      it.effect(`a ${coding} 404 NOT_FOUND is NotFound with its request ID (${name})`, () =>
        Effect.gen(function*() {
          const encode = encoders[coding]
          if (encode === undefined) return yield* Effect.die(new Error(`no encoder for ${coding}`))
          const server = yield* TestServer.make(TestServer.always(encoded(404, coding, encode(notFound))))
          const error = yield* Effect.flip(get(http, server.url, "/contacts/1"))
          expect(error).toMatchObject({ _tag: "NotFound", message: "Contact not found", requestId: `req_${coding}` })
        }))
    }

    it.effect(`an unknown coding is an UnexpectedResponse that says so, and a 503 is still retried (${name})`, () =>
      Effect.gen(function*() {
        const server = yield* TestServer.make(TestServer.always(encoded(503, "x-squeeze", Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0, 1, 2, 3]))))
        const error = yield* Effect.flip(get(http, server.url, "/contacts/1"))
        expect(error).toMatchObject({ _tag: "UnexpectedResponse", reason: "Undecodable", status: 503, requestId: "req_x-squeeze", excerpt: "" })
        expect(error.message).toBe("Unexpected 503 response with an undecodable body")
        // A 503 is still worth a retry, whatever its body.
        expect(Retry.isRetryable(error)).toBe(true)
      }))

    it.effect(`Envelope bodies are decoded too (${name})`, () =>
      Effect.gen(function*() {
        const body = JSON.stringify({ data: { id: "c_1", email: "ada@example.com" }, meta: {} })
        const server = yield* TestServer.make((request, response) => {
          const coding = (request.url ?? "").slice(1)
          const encode = encoders[coding]
          TestServer.send(response, encoded(200, coding, encode === undefined ? new TextEncoder().encode(body) : encode(body)))
        })
        const Contact = Schema.Struct({ id: Schema.String, email: Schema.String })
        const contacts = yield* Effect.flatMap(ApiClient.ApiClient, (client) =>
          Effect.forEach(["gzip", "deflate", "br"], (coding) => client.get(`/${coding}`).pipe(Effect.flatMap(Envelope.decodeData(Contact))))).pipe(
            Effect.provide(layerFor(http, server.url))
          )
        expect(contacts).toEqual([1, 2, 3].map(() => ({ id: "c_1", email: "ada@example.com" })))
      }))
  }

  it.effect("a body a server labels gzip but sends as it is is read as it is", () =>
    Effect.gen(function*() {
      // What errata sees behind fetch, which decodes and leaves the header: the same rule serves both.
      const server = yield* TestServer.make(TestServer.always(encoded(404, "gzip", new TextEncoder().encode(notFound))))
      const error = yield* Effect.flip(get(NodeHttpClient.layerUndici, server.url, "/contacts/1"))
      expect(error).toMatchObject({ _tag: "NotFound", requestId: "req_gzip" })
    }))

  it.effect("a body that does not decode as its coding says is Undecodable too; a 4xx is not retried", () =>
    Effect.gen(function*() {
      const broken = Uint8Array.from([0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x01, 0x02])
      const server = yield* TestServer.make(TestServer.always(encoded(404, "gzip", broken)))
      const error = yield* Effect.flip(get(NodeHttpClient.layerUndici, server.url, "/contacts/1"))
      expect(error).toMatchObject({ _tag: "UnexpectedResponse", reason: "Undecodable", status: 404, requestId: "req_gzip" })
      expect(Retry.isRetryable(error)).toBe(false)
    }))

  it.effect("raw deflate under the name deflate, as some servers send it, is decoded too", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.always(encoded(404, "deflate", zlib.deflateRawSync(notFound))))
      const error = yield* Effect.flip(get(NodeHttpClient.layerUndici, server.url, "/contacts/1"))
      expect(error._tag).toBe("NotFound")
    }))

  it.effect("Envelope: a 2xx body that does not decode is an EnvelopeDecodeError, not a defect", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.always(encoded(200, "br", Uint8Array.from([0xff, 0xfe, 0x00, 0x01, 0x02]))))
      const error = yield* Effect.flatMap(ApiClient.ApiClient, (client) =>
        client.get("/c").pipe(Effect.flatMap(Envelope.decodeData(Schema.Unknown)), Effect.flip)).pipe(
          Effect.provide(layerFor(NodeHttpClient.layerUndici, server.url))
        )
      expect(error).toMatchObject({ _tag: "EnvelopeDecodeError", reason: "UnsupportedEncoding", status: 200, requestId: "req_br" })
    }))
})

describe("Accept-Encoding", () => {
  it.effect("the client asks for identity, unless the request asks for something else", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.always({ status: 200, body: "{}" }))
      yield* Effect.flatMap(ApiClient.ApiClient, (client) =>
        Effect.zip(client.get("/a"), client.get("/b", { headers: { "accept-encoding": "gzip" } }))).pipe(
          Effect.provide(layerFor(NodeHttpClient.layerUndici, server.url))
        )
      expect(server.received.map((r) => r.headers["accept-encoding"])).toEqual(["identity", "gzip"])
    }))
})

const MB = 1024 * 1024

/** `members` gzip members of 64 MiB of zeros each, made without holding 64 MiB: 64 KiB of gzip each. */
const gzipBomb = (members: number) =>
  Effect.promise(() =>
    new Promise<Uint8Array>((resolve) => {
      const zeros = Buffer.alloc(MB)
      const gzip = zlib.createGzip({ level: 9 })
      const parts: Array<Buffer> = []
      gzip.on("data", (part: Buffer) => parts.push(part))
      gzip.on("end", () => {
        const member = Buffer.concat(parts)
        resolve(Buffer.concat(Array.from({ length: members }, () => member)))
      })
      for (let i = 0; i < 64; i++) gzip.write(zeros)
      gzip.end()
    })
  )

/** Brotli of `megabytes` MiB of zeros, streamed into the compressor. */
const brotliBomb = (megabytes: number) =>
  Effect.promise(() =>
    new Promise<Uint8Array>((resolve) => {
      const zeros = Buffer.alloc(MB)
      const brotli = zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } })
      const parts: Array<Buffer> = []
      brotli.on("data", (part: Buffer) => parts.push(part))
      brotli.on("end", () => resolve(Buffer.concat(parts)))
      for (let i = 0; i < megabytes; i++) brotli.write(zeros)
      brotli.end()
    })
  )

interface Sent {
  bytes: number
  /** The client closed the connection: it was not kept alive for another request. */
  dropped: boolean
}

/** Sends `body` in 16 KiB writes, honouring backpressure, until it is sent or the client leaves. */
const stream = (request: IncomingMessage, response: ServerResponse, coding: string, body: Uint8Array, sent: Sent) => {
  response.writeHead(502, { "content-type": "text/html", "content-encoding": coding, "x-request-id": "req_bomb" })
  request.socket.once("close", () => {
    sent.dropped = true
  })
  const pump = () => {
    while (!sent.dropped && sent.bytes < body.length) {
      const part = body.subarray(sent.bytes, sent.bytes + 16 * 1024)
      sent.bytes += part.length
      if (!response.write(part)) return response.once("drain", pump)
    }
    if (!sent.dropped) response.end()
  }
  pump()
}

describe("a compressed body that inflates far past the bound", () => {
  for (const [name, http] of clients) {
    it.effect(`1 MB of gzip that inflates to 1 GB is cut at the bound, memory flat (${name})`, () =>
      Effect.gen(function*() {
        const bomb = yield* gzipBomb(16)
        expect(bomb.length).toBeLessThan(1.1 * MB)
        const sent: Sent = { bytes: 0, dropped: false }
        const server = yield* TestServer.make((request, response) => stream(request, response, "gzip", bomb, sent))
        const before = process.memoryUsage().rss
        const error = yield* Effect.flip(get(http, server.url, "/bomb"))
        const growth = process.memoryUsage().rss - before
        expect(error).toMatchObject({ _tag: "UnexpectedResponse", reason: "TooLarge", status: 502, requestId: "req_bomb" })
        expect(error._tag === "UnexpectedResponse" && error.excerpt.length).toBeLessThanOrEqual(1024)
        expect(growth).toBeLessThan(48 * MB)
        // The client stopped reading at the bound and dropped the connection.
        yield* TestServer.liveTick(50)
        expect(sent.dropped).toBe(true)
      }))
  }

  it.effect("br that inflates to 256 MB is cut at the bound too, memory flat", () =>
    Effect.gen(function*() {
      const bomb = yield* brotliBomb(256)
      const sent: Sent = { bytes: 0, dropped: false }
      const server = yield* TestServer.make((request, response) => stream(request, response, "br", bomb, sent))
      const before = process.memoryUsage().rss
      const error = yield* Effect.flip(get(NodeHttpClient.layerUndici, server.url, "/bomb", { maxErrorBodyBytes: 4096 }))
      const growth = process.memoryUsage().rss - before
      expect(error).toMatchObject({ _tag: "UnexpectedResponse", reason: "TooLarge", status: 502 })
      expect(growth).toBeLessThan(48 * MB)
      yield* TestServer.liveTick(50)
      expect(sent.dropped).toBe(true)
    }))

  it.effect("the bound counts decoded bytes: a small gzip that inflates past it is TooLarge, one within it decodes", () =>
    Effect.gen(function*() {
      const big = JSON.stringify({ error: { code: "NOT_FOUND", message: "x", details: { pad: "p".repeat(100_000) } } })
      const gzipped = zlib.gzipSync(big)
      expect(gzipped.length).toBeLessThan(2048)
      const server = yield* TestServer.make(TestServer.always(encoded(404, "gzip", gzipped)))
      const cut = yield* Effect.flip(get(NodeHttpClient.layerUndici, server.url, "/a"))
      expect(cut).toMatchObject({ _tag: "UnexpectedResponse", reason: "TooLarge" })
      const whole = yield* Effect.flip(get(NodeHttpClient.layerUndici, server.url, "/b", { maxErrorBodyBytes: 200_000 }))
      expect(whole._tag).toBe("NotFound")
    }))

  it.effect("a 503 cut at the bound or undecodable keeps its Retry-After for ApiError.retryAfter", () =>
    Effect.gen(function*() {
      const served = (coding: string, body: Uint8Array): TestServer.Served => {
        const base = encoded(503, coding, body)
        return { ...base, headers: { ...base.headers, "retry-after": "7" } }
      }
      const server = yield* TestServer.make((request, response) =>
        TestServer.send(
          response,
          request.url === "/cut" ? served("gzip", zlib.gzipSync("x".repeat(100_000))) : served("x-squeeze", Uint8Array.from([1, 2, 3]))
        )
      )
      for (const [path, reason] of [["/cut", "TooLarge"], ["/odd", "Undecodable"]] as const) {
        const error = yield* Effect.flip(get(NodeHttpClient.layerUndici, server.url, path, { retry: false }))
        expect(error).toMatchObject({ _tag: "UnexpectedResponse", reason, status: 503 })
        expect(ApiError.retryAfter(error)).toEqual(Duration.seconds(7))
      }
    }))
})
