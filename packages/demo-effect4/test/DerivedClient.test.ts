/**
 * The client `ApiClient.fromApi` derives from the reference API's own definition, end to end over
 * loopback, for every endpoint the definition has (`HttpApi.reflect` lists them, so an endpoint
 * added without a case here fails the test): its success decoded by its schema, each catalog error
 * it declares arriving as its class with the server's request ID, one it does not declare as drift
 * (`UnknownApiError`, code and status kept), and a 503 retried underneath.
 */
import { describe, expect, it } from "@effect/vitest"
import { Scopes } from "@errata/reference"
import { Effect } from "effect"
import { HttpClient } from "effect/http"
import { HttpApi } from "effect/http-api"
import { ApiError, Catalog } from "errata"
import { CatalogErrors, Ids } from "errata/api"
import { ApiClient } from "errata/client"
import { Api } from "../src/Api.js"
import type { Fault } from "../src/Faults.js"
import { Keys } from "../src/Keys.js"
import { ClientLive, clientFrom, startServer } from "./support.js"

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
  const message = { contactId: Ids.ContactId.make(contactId), channel: "email" as const, body: "Hello" }
  const createContact = (c: Client) => Effect.map(c.contacts.create({ payload: contact, headers: {} }), (r) => r.data.id)
  const createBusiness = (c: Client) => Effect.map(c.businesses.create({ payload: business, headers: {} }), (r) => r.data.id)
  const createMessage = (c: Client) => Effect.map(c.messages.create({ payload: message, headers: {} }), (r) => r.data.id)
  return {
    "contacts.create": { prepare: anyId, send: (c) => c.contacts.create({ payload: contact, headers: {} }) },
    "contacts.list": { prepare: anyId, send: (c) => c.contacts.list({ query: { limit: 2 } }) },
    "contacts.search": { prepare: anyId, send: (c) => c.contacts.search({ query: { q: "ada" } }) },
    "contacts.get": { prepare: createContact, send: (c, id) => c.contacts.get({ params: { id: Ids.ContactId.make(id) } }) },
    "contacts.update": {
      prepare: createContact,
      send: (c, id) => c.contacts.update({ params: { id: Ids.ContactId.make(id) }, payload: { name: "Ada King" } })
    },
    "contacts.remove": { prepare: createContact, send: (c, id) => c.contacts.remove({ params: { id: Ids.ContactId.make(id) } }) },
    "businesses.create": { prepare: anyId, send: (c) => c.businesses.create({ payload: business, headers: {} }) },
    "businesses.list": { prepare: anyId, send: (c) => c.businesses.list({ query: {} }) },
    "businesses.get": { prepare: createBusiness, send: (c, id) => c.businesses.get({ params: { id: Ids.BusinessId.make(id) } }) },
    "businesses.update": {
      prepare: createBusiness,
      send: (c, id) => c.businesses.update({ params: { id: Ids.BusinessId.make(id) }, payload: { website: "https://example.com" } })
    },
    "businesses.remove": {
      prepare: createBusiness,
      send: (c, id) => c.businesses.remove({ params: { id: Ids.BusinessId.make(id) } })
    },
    "messages.create": { prepare: anyId, send: (c) => c.messages.create({ payload: message, headers: {} }) },
    "messages.list": { prepare: anyId, send: (c) => c.messages.list({ query: {} }) },
    "messages.get": { prepare: createMessage, send: (c, id) => c.messages.get({ params: { id: Ids.MessageId.make(id) } }) },
    "messages.update": {
      prepare: createMessage,
      send: (c, id) => c.messages.update({ params: { id: Ids.MessageId.make(id) }, payload: { body: "Hello again" } })
    },
    "messages.remove": { prepare: createMessage, send: (c, id) => c.messages.remove({ params: { id: Ids.MessageId.make(id) } }) },
    "admin.armFault": {
      prepare: anyId,
      send: (c) => c.admin.armFault({ payload: { kind: "internal", count: 1, key: "sk_nobody" } })
    },
    "admin.clearFaults": { prepare: anyId, send: (c) => c.admin.clearFaults() }
  }
}

// The catalog codes each endpoint declares: its own, its middleware's (`Authorization`'s), and the
// API's and its group's, which Effect 4's `CatalogErrors.add` wrote onto the endpoints. `reflect`
// gives an endpoint's error schemas by status, its middleware's among them.
const declared = (): Map<string, ReadonlyArray<Catalog.Code>> => {
  const out = new Map<string, ReadonlyArray<Catalog.Code>>()
  HttpApi.reflect(Api, {
    onGroup: () => undefined,
    onEndpoint: ({ endpoint, errors, group }) => {
      const codes = [...errors.values()].flat().flatMap(CatalogErrors.codesOf)
      out.set(`${group.identifier}.${endpoint.identifier}`, [...new Set(codes)])
    }
  })
  return out
}

describe("ApiClient.fromApi over the reference API, end to end over loopback", () => {
  it.live("every endpoint: its success, each error it declares, an undeclared one as drift, a 503 retried", () =>
    Effect.gen(function*() {
      const { context, running } = yield* startServer
      // A key of the unlimited tier: the test sends a few hundred requests, none of them to be a real 429.
      const { key } = yield* Effect.flatMap(Keys, (keys) => keys.issue("derived", Scopes.all, "unlimited")).pipe(
        Effect.provideContext(context)
      )
      const http = yield* HttpClient.HttpClient
      let sent = 0
      const counting = HttpClient.transform(http, (effect) => Effect.andThen(Effect.sync(() => void sent++), effect))
      const options = { baseUrl: running.baseUrl, apiKey: key }
      const client = yield* ApiClient.fromApi(Api, { ...options, retry: { times: 2, base: "10 millis" } }).pipe(
        Effect.provideService(HttpClient.HttpClient, counting)
      )
      // The server counts every 401 against its sender's address (a guessed key shares one bucket
      // per address), so each endpoint's errors are asked from an address of their own.
      const onceFrom = (address: string) =>
        Effect.flatMap(clientFrom(address), (from) =>
          ApiClient.fromApi(Api, { ...options, retry: false }).pipe(Effect.provideService(HttpClient.HttpClient, from)))
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
          expect({ name, drift }).toMatchObject({
            name,
            drift: { _tag: "UnknownApiError", code: undeclared, status: Catalog.entries[undeclared].status }
          })
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
