/**
 * `ApiClient.fromApi` end to end: an `HttpApi` definition with catalog errors served by
 * `HttpApiBuilder` behind `ServerErrors.layer()` on a real server on 127.0.0.1, called through the
 * client derived from the same definition (and, for drift, from an older copy of it).
 */
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, layer } from "@effect/vitest"
import { isSafe as isSafeRequestId } from "@errata/dialect/RequestId"
import { Effect, Layer, Schema } from "effect"
import { TestClock } from "effect/testing"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { ApiError } from "errata"
import { CatalogErrors, Ids } from "errata/api"
import { ApiClient } from "errata/client"
import { BaseUrl, serve } from "../server/support/Serve.js"

const Contact = Schema.Struct({ id: Ids.ContactId, name: Schema.String })

const ID = Ids.ContactId.make("550e8400-e29b-41d4-a716-446655440000")
const MISSING = Ids.ContactId.make("00000000-0000-4000-8000-000000000000")
const RETIRED = Ids.ContactId.make("00000000-0000-4000-8000-000000000001")
const FORBIDDEN = Ids.ContactId.make("00000000-0000-4000-8000-000000000002")
const KEY = "sk_test_from_api"

const get = HttpApiEndpoint.get("get", "/contacts/:contactId", { params: { contactId: Ids.ContactId }, success: Contact })
  .pipe(CatalogErrors.add("NOT_FOUND", "INVALID_CONTACT_ID"))
const create = HttpApiEndpoint.post("create", "/contacts", {
  payload: Schema.Struct({ name: Schema.String }),
  success: Contact
})
const unavailable = HttpApiEndpoint.get("unavailable", "/unavailable", { success: Schema.String })

// The client's copy of the definition.
class Api extends HttpApi.make("from-api").add(
  HttpApiGroup.make("contacts").add(get, create, unavailable).pipe(CatalogErrors.add("UNAUTHORIZED"))
).pipe(CatalogErrors.add("SERVICE_UNAVAILABLE")) {}

// The server's, newer: `get` can also answer INSUFFICIENT_PERMISSIONS, which the client's copy does
// not declare.
class ServerApi extends HttpApi.make("from-api").add(
  HttpApiGroup.make("contacts")
    .add(get.pipe(CatalogErrors.add("INSUFFICIENT_PERMISSIONS")), create, unavailable)
    .pipe(CatalogErrors.add("UNAUTHORIZED"))
).pipe(CatalogErrors.add("SERVICE_UNAVAILABLE")) {}

// What the server saw: the Idempotency-Key of every `create`.
const createKeys: Array<string | undefined> = []

const ContactsLive = HttpApiBuilder.group(ServerApi, "contacts", (handlers) =>
  handlers
    .handle("get", ({ params, request }) => {
      if (request.headers["authorization"] !== `Bearer ${KEY}`) {
        return Effect.fail(new ApiError.Unauthorized({ message: "Bad key" }))
      }
      switch (params.contactId) {
        case MISSING:
          return Effect.fail(new ApiError.NotFound({ message: "Contact not found", details: { id: params.contactId } }))
        case RETIRED:
          return Effect.fail(new ApiError.InvalidContactId({ message: "Contact ID is retired" }))
        case FORBIDDEN:
          return Effect.fail(new ApiError.InsufficientPermissions({ message: "Not yours" }))
        default:
          return Effect.succeed({ id: params.contactId, name: "Ada" })
      }
    })
    // 503 on the first attempt of each request, then the contact.
    .handle("create", ({ payload, request }) =>
      Effect.suspend(() => {
        const key = request.headers["idempotency-key"]
        const first = !createKeys.includes(key)
        createKeys.push(key)
        return first
          ? Effect.fail(new ApiError.ServiceUnavailable({ message: "Back soon" }))
          : Effect.succeed({ id: ID, name: payload.name })
      }))
    .handle("unavailable", () => Effect.fail(new ApiError.ServiceUnavailable({ message: "Down for good" }))))

const ServerLive = serve(HttpApiBuilder.layer(ServerApi).pipe(Layer.provide(ContactsLive)))

// The derived client with a 1 ms base delay and Retry-After cut to 1 ms, so the retries run live.
const client = (apiKey = KEY) =>
  Effect.flatMap(BaseUrl, (baseUrl) =>
    ApiClient.fromApi(Api, {
      baseUrl,
      apiKey,
      retry: { times: 2, base: "1 millis", maxRetryAfter: "1 millis", retryBudget: false }
    }))

const failureOf = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.flip(effect)

layer(Layer.mergeAll(ServerLive, NodeHttpClient.layerUndici))("ApiClient.fromApi", (it) => {
  it.effect("a success is decoded with the endpoint's success schema, with the response when asked", () =>
    Effect.gen(function*() {
      const api = yield* client()
      expect(yield* api.contacts.get({ params: { contactId: ID } })).toStrictEqual({ id: ID, name: "Ada" })
      const [contact, response] = yield* api.contacts.get({ params: { contactId: ID }, responseMode: "decoded-and-response" })
      expect(contact).toStrictEqual({ id: ID, name: "Ada" })
      expect(response.status).toBe(200)
      expect(isSafeRequestId(response.headers["x-request-id"])).toBe(true)
    }))

  describe("each declared error arrives as its class, with the request ID", () => {
    it.effect("the endpoint's NOT_FOUND", () =>
      Effect.gen(function*() {
        const error = yield* failureOf((yield* client()).contacts.get({ params: { contactId: MISSING } }))
        expect(error).toBeInstanceOf(ApiError.NotFound)
        if (!(error instanceof ApiError.NotFound)) return
        expect(error.message).toBe("Contact not found")
        expect(error.details).toStrictEqual({ id: MISSING })
        expect(isSafeRequestId(error.requestId)).toBe(true)
        expect(ApiClient.attempts(error)).toBe(1)
      }))

    it.effect("the endpoint's INVALID_CONTACT_ID", () =>
      Effect.gen(function*() {
        const error = yield* failureOf((yield* client()).contacts.get({ params: { contactId: RETIRED } }))
        expect(error).toBeInstanceOf(ApiError.InvalidContactId)
        expect(error._tag === "InvalidContactId" && isSafeRequestId(error.requestId)).toBe(true)
      }))

    it.effect("the group's UNAUTHORIZED", () =>
      Effect.gen(function*() {
        const error = yield* failureOf((yield* client("sk_wrong")).contacts.get({ params: { contactId: ID } }))
        expect(error).toBeInstanceOf(ApiError.Unauthorized)
        expect(error._tag === "Unauthorized" && isSafeRequestId(error.requestId)).toBe(true)
      }))

    it.effect("the API's SERVICE_UNAVAILABLE, after the retries (live clock, 1 ms waits)", () =>
      TestClock.withLive(Effect.gen(function*() {
        const error = yield* failureOf((yield* client()).contacts.unavailable())
        expect(error).toBeInstanceOf(ApiError.ServiceUnavailable)
        if (!(error instanceof ApiError.ServiceUnavailable)) return
        expect(error.message).toBe("Down for good")
        expect(isSafeRequestId(error.requestId)).toBe(true)
        expect(ApiClient.attempts(error)).toBe(3)
      })))
  })

  it.effect("a catalog error the endpoint does not declare arrives as UnknownApiError with its code", () =>
    Effect.gen(function*() {
      const error = yield* failureOf((yield* client()).contacts.get({ params: { contactId: FORBIDDEN } }))
      expect(error).toBeInstanceOf(ApiError.UnknownApiError)
      if (!(error instanceof ApiError.UnknownApiError)) return
      expect(error.code).toBe("INSUFFICIENT_PERMISSIONS")
      expect(error.status).toBe(403)
      expect(error.message).toBe("Not yours")
      expect(isSafeRequestId(error.requestId)).toBe(true)
      expect(ApiClient.attempts(error)).toBe(1)
      // Caught by its tag, as drift.
      const drift = yield* (yield* client()).contacts.get({ params: { contactId: FORBIDDEN } }).pipe(
        Effect.map(() => "no"),
        Effect.catchTag("UnknownApiError", (e) => Effect.succeed(e.code))
      )
      expect(drift).toBe("INSUFFICIENT_PERMISSIONS")
    }))

  it.effect("a 503 is retried under the same Idempotency-Key, and the method sees the success (live clock, 1 ms waits)", () =>
    TestClock.withLive(Effect.gen(function*() {
      const before = createKeys.length
      const contact = yield* (yield* client()).contacts.create({ payload: { name: "Grace" } })
      expect(contact).toStrictEqual({ id: ID, name: "Grace" })
      const keys = createKeys.slice(before)
      expect(keys).toHaveLength(2)
      expect(keys[0]).toBeTypeOf("string")
      expect(keys[1]).toBe(keys[0])
    })))

  it.effect("a request its schemas reject is a SchemaError, and nothing is sent", () =>
    Effect.gen(function*() {
      const before = createKeys.length
      // Boundary: a payload the types refuse, to reach the schema at run time.
      const payload = { name: 42 } as unknown as { readonly name: string }
      const error = yield* failureOf((yield* client()).contacts.create({ payload }))
      expect(error._tag).toBe("SchemaError")
      expect(createKeys.length).toBe(before)
    }))
})
