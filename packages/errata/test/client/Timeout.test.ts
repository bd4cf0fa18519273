import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Fiber, Layer } from "effect"
import { FetchHttpClient, HttpClient, HttpClientError } from "effect/http"
import { TestClock } from "effect/testing"
import { ApiClient, Retry } from "errata/client"
import type { IncomingMessage, ServerResponse } from "node:http"
import * as TestServer from "./TestServer.js"

const clients: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["NodeHttpClient.layerUndici", NodeHttpClient.layerUndici],
  ["FetchHttpClient.layer", FetchHttpClient.layer]
]

const layerFor = (http: Layer.Layer<HttpClient.HttpClient>, baseUrl: string, options: Partial<ApiClient.Options> = {}) =>
  ApiClient.layer({ baseUrl, apiKey: "sk_test_timeout", retry: false, ...options }).pipe(Layer.provide(http))

const forkGet = (http: Layer.Layer<HttpClient.HttpClient>, baseUrl: string, options: Partial<ApiClient.Options> = {}) =>
  Effect.flatMap(ApiClient.ApiClient, (client) => client.get("/slow")).pipe(Effect.provide(layerFor(http, baseUrl, options)), Effect.forkChild)

/** Connections the server saw closed by the client, counted per request. */
interface Watched {
  readonly closed: () => number
}

/** A server that reads the request and never answers, and counts the connections the client closes. */
const silent = Effect.suspend(() => {
  let closed = 0
  return Effect.map(
    TestServer.make((request) => {
      request.socket.once("close", () => closed++)
    }),
    (server): TestServer.TestServer & Watched => ({ ...server, closed: () => closed })
  )
})

/** A server that sends the head of an error and then one byte of its body every few milliseconds, for ever (bounded: 10,000 bytes). */
const dripping = (status: number) =>
  Effect.suspend(() => {
    let closed = 0
    const drip = (request: IncomingMessage, response: ServerResponse) => {
      request.socket.once("close", () => closed++)
      response.writeHead(status, { "content-type": "application/json" })
      response.write("{")
      let left = 10_000
      const timer = setInterval(() => {
        if (left-- <= 0 || response.destroyed) return clearInterval(timer)
        response.write(" ")
      }, 5)
      response.once("close", () => clearInterval(timer))
    }
    return Effect.map(TestServer.make(drip), (server): TestServer.TestServer & Watched => ({ ...server, closed: () => closed }))
  })

/** Waits, in real time and bounded, until `check` holds. */
const eventually = (check: () => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 500 && !check(); i++) yield* TestServer.liveTick(2)
    expect(check()).toBe(true)
  })

const isTimeout = (error: unknown): boolean =>
  HttpClientError.isHttpClientError(error) && error.reason._tag === "TransportError" && Cause.isTimeoutError(error.reason.cause)

describe("the per-attempt timeout", () => {
  for (const [name, http] of clients) {
    it.effect(`a server that never answers: the attempt fails as a typed transport failure, its connection closed (${name})`, () =>
      TestServer.spied(Effect.gen(function*() {
        const server = yield* silent
        const fiber = yield* forkGet(http, server.url, { timeout: "5 seconds" })
        yield* server.waitForRequests(1)
        // The timeout sleeps on the TestClock until the deadline, and nothing happens before it.
        expect(yield* TestServer.nextSleep).toBe(5000)
        yield* TestClock.adjust(4999)
        yield* TestServer.liveTick(20)
        expect(fiber.pollUnsafe()).toBeUndefined()
        yield* TestClock.adjust(1)
        const error = yield* Effect.flip(Fiber.join(fiber))
        expect(isTimeout(error)).toBe(true)
        expect(error.message).toContain("timed out after 5s")
        expect(Retry.isRetryable(error)).toBe(true)
        expect(ApiClient.attempts(error)).toBe(1)
        yield* eventually(() => server.closed() === 1)
      })))

    it.effect(`a server that drips an error body for ever: the body read is cut by the timeout, the connection closed (${name})`, () =>
      TestServer.spied(Effect.gen(function*() {
        const server = yield* dripping(503)
        const fiber = yield* forkGet(http, server.url, { timeout: "2 seconds" })
        yield* server.waitForRequests(1)
        yield* TestServer.liveTick(30)
        expect(yield* TestServer.wakeUp).toBe(2000)
        const error = yield* Effect.flip(Fiber.join(fiber))
        expect(isTimeout(error)).toBe(true)
        yield* eventually(() => server.closed() === 1)
      })))
  }

  it.effect("a timed-out attempt is retried as a transport failure is, each attempt with its own deadline", () =>
    TestServer.spied(Effect.gen(function*() {
      const server = yield* silent
      const fiber = yield* forkGet(NodeHttpClient.layerUndici, server.url, { timeout: "5 seconds", retry: { times: 2, jitter: 0 } })
      yield* server.waitForRequests(1)
      expect(yield* TestServer.wakeUp).toBe(5000)
      expect(yield* TestServer.wakeUp).toBe(1000)
      yield* server.waitForRequests(2)
      expect(yield* TestServer.wakeUp).toBe(5000)
      expect(yield* TestServer.wakeUp).toBe(2000)
      yield* server.waitForRequests(3)
      expect(yield* TestServer.wakeUp).toBe(5000)
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(isTimeout(error)).toBe(true)
      expect(ApiClient.attempts(error)).toBe(3)
      expect(server.count()).toBe(3)
      yield* eventually(() => server.closed() === 3)
    })))

  it.effect("`upTo` still bounds the whole: no retry is made whose wait would end past it", () =>
    TestServer.spied(Effect.gen(function*() {
      const server = yield* silent
      const fiber = yield* forkGet(NodeHttpClient.layerUndici, server.url, {
        timeout: "5 seconds",
        retry: { times: 5, jitter: 0, upTo: "2.5 seconds" }
      })
      yield* server.waitForRequests(1)
      expect(yield* TestServer.wakeUp).toBe(5000)
      expect(yield* TestServer.wakeUp).toBe(1000)
      yield* server.waitForRequests(2)
      expect(yield* TestServer.wakeUp).toBe(5000)
      // The second attempt fails 6 s after the first failure: a 2 s wait would end past 2.5 s.
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(isTimeout(error)).toBe(true)
      expect(server.count()).toBe(2)
    })))

  it.effect("the default is 60 seconds; `false` turns it off", () =>
    TestServer.spied(Effect.gen(function*() {
      const server = yield* silent
      const fiber = yield* forkGet(NodeHttpClient.layerUndici, server.url)
      yield* server.waitForRequests(1)
      expect(yield* TestServer.nextSleep).toBe(60_000)
      yield* TestClock.adjust("60 seconds")
      expect(isTimeout(yield* Effect.flip(Fiber.join(fiber)))).toBe(true)

      const before = (yield* TestServer.startedSleeps).length
      const off = yield* forkGet(NodeHttpClient.layerUndici, server.url, { timeout: false })
      yield* server.waitForRequests(2)
      yield* TestServer.liveTick(20)
      expect((yield* TestServer.startedSleeps).slice(before)).toEqual([])
      yield* TestClock.adjust("1 hour")
      yield* TestServer.liveTick(20)
      expect(off.pollUnsafe()).toBeUndefined()
      yield* Fiber.interrupt(off)
      yield* eventually(() => server.closed() === 2)
    })))

  it.effect("the combinator alone: decodeErrors bounds each attempt the same way", () =>
    TestServer.spied(Effect.gen(function*() {
      const server = yield* silent
      const fiber = yield* HttpClient.HttpClient.pipe(
        Effect.map((client) => client.pipe(ApiClient.decodeErrors({ timeout: "3 seconds" }))),
        Effect.flatMap((client) => client.get(`${server.url}/slow`)),
        Effect.provide(NodeHttpClient.layerUndici),
        Effect.forkChild
      )
      yield* server.waitForRequests(1)
      expect(yield* TestServer.wakeUp).toBe(3000)
      expect(isTimeout(yield* Effect.flip(Fiber.join(fiber)))).toBe(true)
      yield* eventually(() => server.closed() === 1)
    })))

  it.effect("interrupting the caller during an attempt closes its connection", () =>
    Effect.gen(function*() {
      const server = yield* silent
      const fiber = yield* forkGet(NodeHttpClient.layerUndici, server.url, { timeout: "5 seconds" })
      yield* server.waitForRequests(1)
      yield* Fiber.interrupt(fiber)
      yield* eventually(() => server.closed() === 1)
    }))
})

describe("a 2xx body is the caller's", () => {
  it.effect("the timeout ends with the response: a 2xx body that arrives later is read whole", () =>
    Effect.gen(function*() {
      let finish = () => {}
      const server = yield* TestServer.make((_request, response) => {
        response.writeHead(200, { "content-type": "application/json" })
        response.write("{\"data\":")
        finish = () => response.end("{\"id\":\"c_1\"},\"meta\":{}}")
      })
      const text = yield* Effect.flatMap(ApiClient.ApiClient, (client) =>
        Effect.gen(function*() {
          const response = yield* client.get("/contacts/c_1")
          yield* TestClock.adjust("10 seconds")
          yield* TestServer.liveTick(20)
          finish()
          return yield* response.text
        })).pipe(Effect.provide(layerFor(NodeHttpClient.layerUndici, server.url, { timeout: "5 seconds" })))
      expect(text).toBe("{\"data\":{\"id\":\"c_1\"},\"meta\":{}}")
    }))

  it.effect("interrupting a read of a 2xx body closes the connection, as the platform's own responses do", () =>
    Effect.gen(function*() {
      let closed = 0
      const server = yield* TestServer.make((request, response) => {
        request.socket.once("close", () => closed++)
        response.writeHead(200, { "content-type": "application/json" })
        response.write("{")
      })
      yield* Effect.flatMap(ApiClient.ApiClient, (client) =>
        Effect.gen(function*() {
          const response = yield* client.get("/contacts/c_1")
          const reading = yield* Effect.forkChild(response.text)
          yield* TestServer.liveTick(20)
          yield* Fiber.interrupt(reading)
        })).pipe(Effect.provide(layerFor(NodeHttpClient.layerUndici, server.url)))
      yield* eventually(() => closed === 1)
    }))
})
