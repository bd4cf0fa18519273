import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Option, Schema, Stream } from "effect"
import { ApiClient, Envelope } from "errata/client"
import * as TestServer from "./TestServer.js"

const layerFor = (baseUrl: string) =>
  ApiClient.layer({ baseUrl, apiKey: "sk_test_envelope" }).pipe(Layer.provide(NodeHttpClient.layerUndici))

const Contact = Schema.Struct({ id: Schema.String, email: Schema.String })

const json = (body: unknown, requestId = "req_env"): TestServer.Served => ({
  status: 200,
  headers: { "content-type": "application/json", "x-request-id": requestId },
  body: JSON.stringify(body)
})

describe("Envelope.decode", () => {
  it.effect("decodes { data, meta } with the user's schema, keeping meta", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.always(json({
        data: { id: "c_1", email: "ada@example.com" },
        meta: { version: "2024-06-01" }
      })))
      const envelope = yield* Effect.flatMap(ApiClient.ApiClient, (client) =>
        client.get("/contacts/c_1").pipe(Effect.flatMap(Envelope.decode(Contact)))).pipe(Effect.provide(layerFor(server.url)))
      expect(envelope).toEqual({ data: { id: "c_1", email: "ada@example.com" }, meta: { version: "2024-06-01" } })
    }))

  it.effect("a body that does not match fails with a typed EnvelopeDecodeError carrying the request ID, not a defect", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.sequence([
        json({ data: { id: 42 } }, "req_mismatch"),
        { status: 200, headers: { "x-request-id": "req_html" }, body: "<html>oops</html>" },
        json([1, 2, 3], "req_array")
      ]))
      const exits = yield* Effect.flatMap(ApiClient.ApiClient, (client) =>
        Effect.forEach([1, 2, 3], () => Effect.exit(client.get("/contacts/c_1").pipe(Effect.flatMap(Envelope.decodeData(Contact)))))
      ).pipe(Effect.provide(layerFor(server.url)))
      const errors = exits.map((exit) => {
        expect(Exit.isFailure(exit) && Cause.hasDies(exit.cause)).toBe(false)
        return Exit.isFailure(exit) ? Option.getOrUndefined(Cause.findErrorOption(exit.cause)) : undefined
      })
      const [mismatch, html, array] = errors
      expect(mismatch).toBeInstanceOf(Envelope.EnvelopeDecodeError)
      expect(mismatch).toMatchObject({ _tag: "EnvelopeDecodeError", reason: "SchemaMismatch", status: 200, requestId: "req_mismatch" })
      expect(mismatch?.message).toContain("email")
      expect(html).toMatchObject({ _tag: "EnvelopeDecodeError", reason: "InvalidJson", requestId: "req_html" })
      expect(array).toMatchObject({ _tag: "EnvelopeDecodeError", reason: "SchemaMismatch", requestId: "req_array" })
    }))
})

/** A list endpoint over `total` contacts that honours `limit` and `offset`. */
const listServer = (total: number, options: { readonly hasMoreForever?: boolean; readonly noPagination?: boolean } = {}) =>
  TestServer.make((request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost")
    const limit = Number(url.searchParams.get("limit") ?? "10")
    const offset = Number(url.searchParams.get("offset") ?? "0")
    const items = Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => ({
      id: `c_${offset + i}`,
      email: `user${offset + i}@example.com`
    }))
    const pagination = { limit, offset, hasMore: options.hasMoreForever === true || offset + items.length < total, total }
    TestServer.send(response, json({ data: items, meta: options.noPagination === true ? {} : { pagination } }))
  })

describe("Envelope.paginate", () => {
  it.effect("walks every page in order and stops on the last one", () =>
    Effect.gen(function*() {
      const server = yield* listServer(5)
      const items = yield* Effect.flatMap(ApiClient.ApiClient, (client) =>
        Envelope.paginate(Contact, (page) => client.get("/contacts", { urlParams: page }), { limit: 2 }).pipe(Stream.runCollect)
      ).pipe(Effect.provide(layerFor(server.url)))
      expect(items.map((c) => c.id)).toEqual(["c_0", "c_1", "c_2", "c_3", "c_4"])
      expect(server.received.map((r) => r.url)).toEqual([
        "/contacts?limit=2&offset=0",
        "/contacts?limit=2&offset=2",
        "/contacts?limit=2&offset=4"
      ])
    }))

  it.effect("pages are lazy: taking 3 items fetches only the pages they need", () =>
    Effect.gen(function*() {
      const server = yield* listServer(1000)
      const pages = yield* Effect.flatMap(ApiClient.ApiClient, (client) =>
        Envelope.pages(Contact, (page) => client.get("/contacts", { urlParams: page }), { limit: 2, offset: 10 }).pipe(
          Stream.take(2),
          Stream.runCollect
        )).pipe(Effect.provide(layerFor(server.url)))
      expect(pages.map((p) => p.pagination?.offset)).toEqual([10, 12])
      expect(pages[0]?.pagination?.total).toBe(1000)
      expect(server.count()).toBe(2)
    }))

  it.effect("an empty list, a list without pagination, and a server that says hasMore on an empty page all end", () =>
    Effect.gen(function*() {
      const empty = yield* listServer(0)
      const single = yield* listServer(3, { noPagination: true })
      const liar = yield* listServer(3, { hasMoreForever: true })
      const collect = (url: string) =>
        Effect.flatMap(ApiClient.ApiClient, (client) =>
          Envelope.paginate(Contact, (page) => client.get("/contacts", { urlParams: page })).pipe(Stream.runCollect)
        ).pipe(Effect.provide(layerFor(url)), Effect.map((items) => items.length))
      expect(yield* collect(empty.url)).toBe(0)
      expect(yield* collect(single.url)).toBe(3)
      expect(yield* collect(liar.url)).toBe(3)
      expect([empty.count(), single.count(), liar.count()]).toEqual([1, 1, 2])
    }))

  it.effect("an API error on a later page ends the stream with that typed error", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.sequence([
        json({ data: [{ id: "c_0", email: "a@example.com" }], meta: { pagination: { limit: 1, offset: 0, hasMore: true } } }),
        {
          status: 401,
          headers: { "content-type": "application/json", "x-request-id": "req_expired" },
          body: JSON.stringify({ error: { code: "UNAUTHORIZED", message: "key revoked" } })
        }
      ]))
      const error = yield* Effect.flatMap(ApiClient.ApiClient, (client) =>
        Envelope.paginate(Contact, (page) => client.get("/contacts", { urlParams: page }), { limit: 1 }).pipe(
          Stream.runCollect,
          Effect.flip
        )).pipe(Effect.provide(layerFor(server.url)))
      expect(error).toMatchObject({ _tag: "Unauthorized", requestId: "req_expired" })
    }))
})
