import { describe, expect, it } from "@effect/vitest"
import { HttpServer } from "@effect/platform"
import type { ApiClient } from "@errata/client"
import { Effect, Layer } from "effect"
import { NodeHttpClient } from "@effect/platform-node"
import { Ids } from "@errata/api"
import * as Call from "./examples/getting-started-call.js"
import * as Client from "./examples/getting-started-client.js"
import * as Serve from "./examples/getting-started-serve.js"
import * as Server from "./examples/getting-started-server.js"

describe("getting started", () => {
  it.live("one definition: served by HttpApiBuilder, called through ApiClient.fromApi, NotFound caught", () =>
    Effect.gen(function*() {
      const server = yield* HttpServer.HttpServer
      const baseUrl = `http://127.0.0.1:${server.address._tag === "TcpAddress" ? server.address.port : 0}`
      const ada = Ids.ContactId.make("550e8400-e29b-41d4-a716-446655440000")
      yield* Serve.addContact({ id: ada, name: "Ada Lovelace" })
      expect(yield* Call.nameOf(baseUrl, ada)).toBe("Ada Lovelace")
      const missing = yield* Call.nameOf(baseUrl, Ids.ContactId.make("0b7c6d7e-0000-4000-8000-000000000000"))
      expect(missing).toMatch(/^no such contact \(request [\w.:-]+\)$/)
    }).pipe(Effect.provide(Layer.merge(Layer.fresh(Serve.ServerLive(0)), NodeHttpClient.layerUndici))), 30_000)

  it.live("the client catches the server's NotFound, InvalidContactId, and reads a contact", () =>
    Effect.gen(function*() {
      const server = yield* HttpServer.HttpServer
      const port = server.address._tag === "TcpAddress" ? server.address.port : 0
      const run = <A, E>(effect: Effect.Effect<A, E, ApiClient.ApiClient>) =>
        Effect.provide(effect, Client.ClientLive(`http://127.0.0.1:${port}`))

      expect(yield* run(Client.nameOf("550e8400-e29b-41d4-a716-446655440000"))).toBe("Ada Lovelace")
      const missing = yield* run(Client.nameOf("0b7c6d7e-0000-4000-8000-000000000000"))
      expect(missing).toMatch(/^no such contact \(request [\w.:-]+\)$/)
      expect(yield* run(Client.nameOf("42"))).toBe('"42" is not a contact ID')

      const raw = yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}/contacts/0b7c6d7e-0000-4000-8000-000000000000`))
      expect(raw.status).toBe(404)
      expect(raw.headers.get("content-type")).toBe("application/json")
      expect(raw.headers.get("x-request-id")).toMatch(/^[\w.:-]{1,128}$/)
      expect(yield* Effect.promise(() => raw.json())).toEqual({ error: { code: "NOT_FOUND", message: "Contact not found" } })
    }).pipe(Effect.provide(Layer.fresh(Server.ServerLive(0)))), 30_000)
})
