import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Predicate } from "effect"
import { ApiError } from "errata"
import { ApiClient } from "errata/client"
import type { ServerResponse } from "node:http"
import { cases, type MalformedCase } from "@errata/dialect/fixtures/malformed"
import * as TestServer from "./TestServer.js"

const layerFor = (baseUrl: string, options: Partial<ApiClient.Options> = {}) =>
  ApiClient.layer({ baseUrl, apiKey: "sk_test_malformed", ...options }).pipe(Layer.provide(NodeHttpClient.layerUndici))

const byteLength = (body: string | Uint8Array): number =>
  typeof body === "string" ? Buffer.byteLength(body) : body.byteLength

/** Serves every corpus case at `/<index>`, with the case's status and content type (or `contentType`). */
const corpusServer = (contentType?: string) =>
  TestServer.make((request, response) => {
    const entry = cases[Number((request.url ?? "").slice(1))]
    if (entry === undefined) return TestServer.send(response, { status: 200 })
    const type = contentType ?? entry.contentType
    TestServer.send(response, {
      status: entry.status,
      headers: { ...(type === "" ? {} : { "content-type": type }), "x-request-id": `req_${request.url?.slice(1)}` },
      body: entry.body()
    })
  })

/** Fetches every case and returns its exit: a failure whose cause must be a plain typed `Fail`. */
const fetchAll = (baseUrl: string, options: Partial<ApiClient.Options> = {}) =>
  Effect.flatMap(ApiClient.ApiClient, (client) =>
    Effect.forEach(cases, (_, i) => Effect.exit(client.get(`/${i}`)), { concurrency: 8 })).pipe(
      Effect.provide(layerFor(baseUrl, { retry: false, ...options }))
    )

const typedFailure = (exit: Exit.Exit<unknown, unknown>): unknown => {
  expect(Exit.isFailure(exit)).toBe(true)
  if (Exit.isSuccess(exit)) return undefined
  // Zero defects, zero interruptions: the cause is exactly one typed failure.
  expect(Cause.hasDies(exit.cause)).toBe(false)
  expect(Cause.hasInterrupts(exit.cause)).toBe(false)
  const failures = exit.cause.reasons.filter(Cause.isFailReason)
  expect(failures).toHaveLength(exit.cause.reasons.length)
  expect(failures).toHaveLength(1)
  return failures[0]?.error
}

const expectCase = (entry: MalformedCase, index: number, error: unknown, maxBytes: number, contentType: string) => {
  const name = entry.name
  expect(ApiError.isAny(error), name).toBe(true)
  if (!ApiError.isAny(error)) return
  expect(error.requestId, name).toBe(`req_${index}`)
  if (error._tag === "UnexpectedResponse") {
    expect(error.status, name).toBe(entry.status)
    expect(error.excerpt.length, name).toBeLessThanOrEqual(1024)
    expect(error.contentType, name).toBe(contentType === "" ? undefined : contentType)
  }
  const body = entry.body()
  if (byteLength(body) > maxBytes) {
    // Cut at the bound, a body is not read as JSON, whatever it was, and the reason says why.
    expect({ name, tag: error._tag, reason: "reason" in error ? error.reason : undefined }).toEqual({ name, tag: "UnexpectedResponse", reason: "TooLarge" })
    return
  }
  const expected = entry.expected
  expect({ name, tag: error._tag }).toEqual({ name, tag: expected._tag })
  if (error._tag === "UnexpectedResponse") expect({ name, reason: error.reason }).toEqual({ name, reason: "reason" in expected && expected.reason })
  if (error._tag === "UnknownApiError") {
    expect({ name, code: error.code, status: error.status }).toEqual({ name, code: "code" in expected && expected.code, status: entry.status })
  }
  if ("detailsKept" in expected && expected.detailsKept === true) {
    const raw: unknown = JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body))
    const details = Predicate.isObject(raw) && Predicate.isObject(raw["error"]) ? raw["error"]["details"] : undefined
    expect({ name, details: "details" in error ? error.details : undefined }).toEqual({ name, details })
  }
  if ("issues" in expected && expected.issues !== undefined) {
    expect("issues" in error ? error.issues : undefined, name).toHaveLength(expected.issues)
  }
}

describe("the malformed-body corpus of @errata/dialect, over HTTP", () => {
  it("is the shared corpus, and it is not small", () => {
    expect(cases.length).toBeGreaterThanOrEqual(15)
  })

  it.effect("every case is a typed error with the expected tag, status and request ID: no defect", () =>
    Effect.gen(function*() {
      const server = yield* corpusServer()
      const exits = yield* fetchAll(server.url)
      exits.forEach((exit, i) => {
        const entry = cases[i]
        if (entry !== undefined) expectCase(entry, i, typedFailure(exit), 65_536, entry.contentType)
      })
    }))

  it.effect("the content type does not matter: served as application/octet-stream, the same errors", () =>
    Effect.gen(function*() {
      const server = yield* corpusServer("application/octet-stream")
      const exits = yield* fetchAll(server.url)
      exits.forEach((exit, i) => {
        const entry = cases[i]
        if (entry !== undefined) expectCase(entry, i, typedFailure(exit), 65_536, "application/octet-stream")
      })
    }))

  it.effect("with a bound large enough, the large bodies decode as the core decoder decodes them", () =>
    Effect.gen(function*() {
      const server = yield* corpusServer()
      const maxBytes = 8 * 1024 * 1024
      const exits = yield* fetchAll(server.url, { maxErrorBodyBytes: maxBytes })
      exits.forEach((exit, i) => {
        const entry = cases[i]
        if (entry !== undefined) expectCase(entry, i, typedFailure(exit), maxBytes, entry.contentType)
      })
    }))

  it.effect("the bound is configurable: a valid error body above it is cut and becomes UnexpectedResponse", () =>
    Effect.gen(function*() {
      const body = JSON.stringify({ error: { code: "NOT_FOUND", message: "x", details: { pad: "p".repeat(4000) } } })
      const server = yield* TestServer.make(TestServer.always({ status: 404, headers: { "content-type": "application/json" }, body }))
      const [small, large] = yield* Effect.flatMap(ApiClient.ApiClient, (client) =>
        Effect.all([Effect.flip(client.get("/a")), Effect.flip(client.get("/b"))])).pipe(
          Effect.provide(layerFor(server.url, { maxErrorBodyBytes: 1024 }))
        )
      expect(small).toMatchObject({ _tag: "UnexpectedResponse", reason: "TooLarge", status: 404 })
      expect(small?._tag === "UnexpectedResponse" && small.excerpt.length).toBe(1024)
      expect(large?._tag).toBe("UnexpectedResponse")
      const whole = yield* Effect.flatMap(ApiClient.ApiClient, (client) => Effect.flip(client.get("/c"))).pipe(
        Effect.provide(layerFor(server.url))
      )
      expect(whole._tag).toBe("NotFound")
    }))
})

const MB = 1024 * 1024

/** Streams `total` bytes of HTML, lazily, honouring backpressure, and stops when the client goes away. */
const streamHuge = (total: number, sent: { bytes: number; closed: boolean }, withLength: boolean) =>
  (response: ServerResponse) => {
    response.writeHead(502, {
      "content-type": "text/html",
      "x-request-id": "req_huge",
      ...(withLength ? { "content-length": String(total) } : {})
    })
    const chunk = Buffer.alloc(64 * 1024, "<p>bad gateway</p>")
    const pump = () => {
      while (!sent.closed && sent.bytes < total) {
        sent.bytes += chunk.length
        if (!response.write(chunk)) return response.once("drain", pump)
      }
      if (!sent.closed) response.end()
    }
    response.on("close", () => {
      sent.closed = true
    })
    pump()
  }

describe("a 100 MB error body", () => {
  for (const withLength of [true, false]) {
    it.effect(`is cut at the bound, its excerpt bounded, memory flat (${withLength ? "Content-Length" : "chunked"})`, () =>
      Effect.gen(function*() {
        const sent = { bytes: 0, closed: false }
        const server = yield* TestServer.make((_request, response) => streamHuge(100 * MB, sent, withLength)(response))
        const before = process.memoryUsage().rss
        const error = yield* Effect.flatMap(ApiClient.ApiClient, (client) => Effect.flip(client.get("/huge"))).pipe(
          Effect.provide(layerFor(server.url, { retry: false }))
        )
        const growth = process.memoryUsage().rss - before
        expect(error).toMatchObject({ _tag: "UnexpectedResponse", status: 502, reason: "TooLarge", requestId: "req_huge" })
        expect(error._tag === "UnexpectedResponse" && error.excerpt.length).toBeLessThanOrEqual(1024)
        // The server noticed the client leave long before it had sent the whole body.
        yield* TestServer.liveTick(50)
        expect(sent.closed).toBe(true)
        expect(sent.bytes).toBeLessThan(16 * MB)
        expect(growth).toBeLessThan(32 * MB)
      }))
  }
})
