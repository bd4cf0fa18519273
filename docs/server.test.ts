/**
 * Runs the server samples of docs/server.md and packages/server/README.md on 127.0.0.1 and checks
 * that clients see what the docs say they see.
 */
import { HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { expect, layer } from "@effect/vitest"
import { ApiError, Wire } from "@errata/core"
import { Context, Effect, Layer } from "effect"
import { createServer } from "node:http"
import * as HttpApiExample from "./examples/server-httpapi.js"
import * as Respond from "./examples/server-respond.js"
import * as Router from "./examples/server-router.js"

class BaseUrl extends Context.Tag("docs/BaseUrl")<BaseUrl, string>() {}

const serve = <E, R>(server: Layer.Layer<never, E, R>) =>
  Layer.mergeAll(
    server,
    Layer.effect(
      BaseUrl,
      Effect.map(HttpServer.HttpServer, (s) => (s.address._tag === "TcpAddress" ? `http://127.0.0.1:${s.address.port}` : ""))
    )
  ).pipe(Layer.provide(NodeHttpServer.layer(() => createServer(), { port: 0, host: "127.0.0.1" })))

const send = (path: string, init: RequestInit = {}) =>
  Effect.flatMap(BaseUrl, (base) =>
    Effect.promise(async () => {
      const response = await fetch(base + path, init)
      const text = await response.text()
      const json: unknown = text === "" ? undefined : JSON.parse(text)
      return { status: response.status, headers: response.headers, text, json }
    }))

const post = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: typeof body === "string" ? body : JSON.stringify(body)
})

/** Walks into parsed JSON by keys; `undefined` where the path does not exist. */
const at = (value: unknown, ...keys: ReadonlyArray<string>): unknown =>
  keys.reduce<unknown>(
    (current, key) => (typeof current === "object" && current !== null ? Reflect.get(current, key) : undefined),
    value
  )

const MISSING = "550e8400-e29b-41d4-a716-446655440000"

layer(serve(Router.ServerLive))("docs: the HttpRouter server", (it) => {
  it.effect("answers what the guide shows", () =>
    Effect.gen(function*() {
      const notFound = yield* send(`/contacts/${MISSING}`, { headers: { "x-request-id": "req_42" } })
      expect(notFound.status).toBe(404)
      expect(notFound.headers.get("x-request-id")).toBe("req_42")
      expect(notFound.json).toStrictEqual({ error: { code: "NOT_FOUND", message: "Contact not found" } })

      const badId = yield* send("/contacts/42")
      expect(badId.json).toStrictEqual({
        error: { code: "INVALID_CONTACT_ID", message: "Contact ID is not a valid ID", details: { value: "42" } }
      })

      const invalid = yield* send("/contacts", post({ email: "ada", name: "" }))
      expect(invalid.status).toBe(400)
      expect(invalid.json).toMatchObject({
        error: {
          code: "VALIDATION_ERROR",
          message: "Request body failed validation",
          details: { issues: [{ path: ["email"] }, { path: ["name"] }] }
        }
      })

      const missing = yield* send("/contacts")
      expect(missing.json).toStrictEqual({
        error: { code: "MISSING_QUERY", message: "Query parameter \"q\" is required", details: { parameter: "q" } }
      })

      const created = yield* send("/contacts", post({ email: "ada@example.com", name: "Ada" }))
      expect(created.status).toBe(201)
      const id = String(at(created.json, "data", "id"))
      expect((yield* send(`/contacts/${id}`)).json).toStrictEqual({ data: { id, email: "ada@example.com", name: "Ada" } })
      expect(created.headers.get("x-ratelimit-limit")).toBe("10")
    }))

  it.effect("the sixteenth request in a burst is RATE_LIMIT_EXCEEDED, decoded by Wire.decode", () =>
    Effect.gen(function*() {
      const headers = { authorization: "Bearer sk_live_docs_burst" }
      for (let i = 0; i < 15; i++) expect((yield* send("/contacts?q=a", { headers })).status).toBe(200)
      const limited = yield* send("/contacts?q=a", { headers })
      expect(limited.status).toBe(429)
      expect(limited.headers.get("retry-after")).toBe("6")
      const error = Wire.decode({ status: limited.status, headers: limited.headers, body: limited.text })
      expect(error._tag).toBe("RateLimitExceeded")
      expect(ApiError.retryAfter(error)?.toJSON()).toStrictEqual({ _id: "Duration", _tag: "Millis", millis: 6000 })
    }))
})

layer(serve(HttpApiExample.ServerLive))("docs: the HttpApi server", (it) => {
  it.effect("answers what the guide shows, and documents it", () =>
    Effect.gen(function*() {
      const badId = yield* send("/contacts/abc")
      expect(badId.json).toStrictEqual({
        error: { code: "INVALID_CONTACT_ID", message: "Contact ID is not a valid ID", details: { value: "abc" } }
      })
      const notFound = yield* send(`/contacts/${MISSING}`)
      expect(notFound.status).toBe(404)
      expect(notFound.json).toStrictEqual({ error: { code: "NOT_FOUND", message: "Contact not found" } })
      expect(notFound.headers.get("x-ratelimit-remaining")).not.toBeNull()
      expect(notFound.headers.get("x-request-id")).not.toBeNull()

      const invalid = yield* send("/contacts", post({ name: "" }))
      expect(invalid.json).toMatchObject({ error: { code: "VALIDATION_ERROR", details: { issues: [{ path: ["name"] }] } } })
      const created = yield* send("/contacts", post({ name: "Ada" }))
      expect(created.status).toBe(201)

      const openapi = yield* send("/openapi.json")
      const codes = (status: string) =>
        at(
          openapi.json,
          ...["paths", "/contacts/{contactId}", "get", "responses", status, "content", "application/json", "schema"],
          ...["properties", "error", "properties", "code", "enum"]
        )
      expect(codes("404")).toStrictEqual(["NOT_FOUND"])
      expect(codes("400")).toStrictEqual(["INVALID_CONTACT_ID"])
      expect(codes("429")).toStrictEqual(["RATE_LIMIT_EXCEEDED"])
    }))
})

layer(serve(HttpServer.serve(Respond.app)))("docs: respond() in a hand-written handler", (it) => {
  it.effect("answers 503 in the wire format, then 200", () =>
    Effect.gen(function*() {
      const down = yield* send("/status")
      expect(down.status).toBe(503)
      expect(down.json).toStrictEqual({ error: { code: "SERVICE_UNAVAILABLE", message: "Down for maintenance" } })
      expect(down.headers.get("x-request-id")).not.toBeNull()
      Respond.setMaintenance(false)
      expect((yield* send("/status")).json).toStrictEqual({ data: { status: "ok" } })
    }))
})
