import { HttpApi, HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Agent } from "@effect/platform-node/Undici"
import { describe, expect, it } from "@effect/vitest"
import { CatalogErrors, Ids } from "@errata/api"
import { ApiClient } from "@errata/client"
import { ApiError, Catalog } from "@errata/core"
import { Effect, Option } from "effect"
import { Api } from "../src/Api.js"
import type { Fault } from "../src/Faults.js"
import { Keys } from "../src/Keys.js"
import { Scopes } from "@errata/reference"
import { ClientLive, runServer } from "./support.js"

type Client = ApiClient.ForApi<typeof Api>

// One valid request per endpoint: `prepare` runs before a fault is armed (a record to delete),
// `send` is the call under test.
interface Case {
  readonly prepare: (client: Client) => Effect.Effect<string, unknown>
  readonly send: (client: Client, id: string) => Effect.Effect<unknown, unknown>
}

const contact = { name: "Ada Lovelace", email: "ada@example.com" }
const business = { name: "Analytical Engines" }
const anyId = () => Effect.succeed("")

const cases = (contactId: string): Record<string, Case> => {
  const message = { contactId, channel: "email" as const, body: "Hello" }
  const createContact = (c: Client) => Effect.map(c.contacts.create({ payload: contact, headers: {} }), (r) => r.data.id)
  const createBusiness = (c: Client) => Effect.map(c.businesses.create({ payload: business, headers: {} }), (r) => r.data.id)
  const createMessage = (c: Client) => Effect.map(c.messages.create({ payload: message, headers: {} }), (r) => r.data.id)
  return {
    "contacts.create": { prepare: anyId, send: (c) => c.contacts.create({ payload: contact, headers: {} }) },
    "contacts.list": { prepare: anyId, send: (c) => c.contacts.list({ urlParams: { limit: 2 } }) },
    "contacts.search": { prepare: anyId, send: (c) => c.contacts.search({ urlParams: { q: "ada" } }) },
    "contacts.get": { prepare: createContact, send: (c, id) => c.contacts.get({ path: { id: Ids.ContactId.make(id) } }) },
    "contacts.update": { prepare: createContact, send: (c, id) => c.contacts.update({ path: { id: Ids.ContactId.make(id) }, payload: { name: "Ada King" } }) },
    "contacts.remove": { prepare: createContact, send: (c, id) => c.contacts.remove({ path: { id: Ids.ContactId.make(id) } }) },
    "businesses.create": { prepare: anyId, send: (c) => c.businesses.create({ payload: business, headers: {} }) },
    "businesses.list": { prepare: anyId, send: (c) => c.businesses.list({ urlParams: {} }) },
    "businesses.get": { prepare: createBusiness, send: (c, id) => c.businesses.get({ path: { id: Ids.BusinessId.make(id) } }) },
    "businesses.update": { prepare: createBusiness, send: (c, id) => c.businesses.update({ path: { id: Ids.BusinessId.make(id) }, payload: { website: "https://example.com" } }) },
    "businesses.remove": { prepare: createBusiness, send: (c, id) => c.businesses.remove({ path: { id: Ids.BusinessId.make(id) } }) },
    "messages.create": { prepare: anyId, send: (c) => c.messages.create({ payload: message, headers: {} }) },
    "messages.list": { prepare: anyId, send: (c) => c.messages.list({ urlParams: {} }) },
    "messages.get": { prepare: createMessage, send: (c, id) => c.messages.get({ path: { id: Ids.MessageId.make(id) } }) },
    "messages.update": { prepare: createMessage, send: (c, id) => c.messages.update({ path: { id: Ids.MessageId.make(id) }, payload: { body: "Hello again" } }) },
    "messages.remove": { prepare: createMessage, send: (c, id) => c.messages.remove({ path: { id: Ids.MessageId.make(id) } }) },
    "admin.armFault": { prepare: anyId, send: (c) => c.admin.armFault({ payload: { kind: "internal", count: 1, key: "sk_nobody" } }) },
    "admin.clearFaults": { prepare: anyId, send: (c) => c.admin.clearFaults() }
  }
}

// The catalog codes each endpoint declares (its own, its group's, its API's and its middleware's).
const declared = (): Map<string, ReadonlyArray<Catalog.Code>> => {
  const out = new Map<string, ReadonlyArray<Catalog.Code>>()
  HttpApi.reflect(Api, {
    onGroup: () => undefined,
    onEndpoint: ({ endpoint, errors, group }) => {
      const codes = [...errors.values()].flatMap(({ ast }) => Option.match(ast, { onNone: () => [], onSome: CatalogErrors.codesOf }))
      out.set(`${group.identifier}.${endpoint.name}`, [...new Set(codes)])
    }
  })
  return out
}

describe("ApiClient.fromApi over the reference API, end to end over loopback", () => {
  it.live("every endpoint: its success, each error it declares, an undeclared one as drift, a 503 retried", () =>
    Effect.gen(function*() {
      const { context, running } = yield* runServer
      // A key of the unlimited tier: the test sends a few hundred requests, none of them to be a real 429.
      const { key } = yield* Effect.flatMap(Keys, (keys) => keys.issue("derived", Scopes.all, "unlimited")).pipe(Effect.provide(context))
      const http = yield* HttpClient.HttpClient
      let sent = 0
      const counting = HttpClient.transform(http, (effect) => Effect.zipRight(Effect.sync(() => void sent++), effect))
      const options = { baseUrl: running.baseUrl, apiKey: key }
      const derive = (retry: ApiClient.Options["retry"]) =>
        ApiClient.fromApi(Api, { ...options, retry }).pipe(Effect.provideService(HttpClient.HttpClient, counting))
      const client = yield* derive({ times: 2, base: "10 millis" })
      // The server counts every 401 against its sender's address (a guessed key shares one bucket
      // per address), so each endpoint's errors are asked from an address of their own.
      const onceFrom = (address: string) =>
        Effect.acquireRelease(Effect.sync(() => new Agent({ localAddress: address })), (agent) => Effect.promise(() => agent.close())).pipe(
          Effect.flatMap((agent) =>
            ApiClient.fromApi(Api, { ...options, retry: false }).pipe(Effect.provideService(HttpClient.HttpClient, NodeHttpClient.makeUndici(agent)))
          )
        )
      const arm = (fault: Fault) => client.admin.armFault({ payload: { ...fault, key } })

      const { data: { id: contactId } } = yield* client.contacts.create({ payload: contact, headers: {} })
      const table = cases(contactId)
      const endpoints = declared()
      expect([...endpoints.keys()].sort()).toEqual(Object.keys(table).sort())

      for (const [index, [name, codes]] of [...endpoints].entries()) {
        const once = yield* onceFrom(`127.0.0.${index + 2}`)
        const call = table[name]
        if (call === undefined) return expect.unreachable(name)
        // Success, decoded by the endpoint's schema.
        yield* Effect.flatMap(call.prepare(client), (id) => call.send(client, id))
        // The fault switch leaves `/_admin` alone: its endpoints are checked for success only.
        if (name.startsWith("admin.")) continue
        expect(codes.length, name).toBeGreaterThan(0)
        // Each declared error arrives as its class, with the server's request ID.
        for (const code of codes) {
          const id = yield* call.prepare(client)
          yield* arm({ kind: "error", code, count: 1 })
          const error = yield* Effect.flip(call.send(once, id))
          expect({ name, error }).toMatchObject({ name, error: { _tag: Catalog.entries[code].tag } })
          expect(ApiError.isApiError(error) && error.requestId !== undefined, name).toBe(true)
        }
        // A catalog error the endpoint does not declare is drift: UnknownApiError, code kept.
        const undeclared = Catalog.codes.find((code) => !codes.includes(code))
        if (undeclared !== undefined) {
          const id = yield* call.prepare(client)
          yield* arm({ kind: "error", code: undeclared, count: 1 })
          const drift = yield* Effect.flip(call.send(once, id))
          expect({ name, drift }).toMatchObject({ name, drift: { _tag: "UnknownApiError", code: undeclared, status: Catalog.entries[undeclared].status } })
        }
        // A 503 is retried by the client underneath, and the method succeeds.
        const id = yield* call.prepare(client)
        yield* arm({ kind: "unavailable", count: 1 })
        sent = 0
        yield* call.send(client, id)
        expect({ name, sent }).toEqual({ name, sent: 2 })
      }
    }).pipe(Effect.provide(ClientLive), Effect.scoped), 60_000)
})
