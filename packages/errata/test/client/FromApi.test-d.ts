import { Effect, Schema } from "effect"
import type { HttpClient, HttpClientError, HttpClientResponse } from "effect/http"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware } from "effect/http-api"
import type { ApiError } from "errata"
import { CatalogErrors, Ids } from "errata/api"
import { ApiClient } from "errata/client"
import { describe, expectTypeOf, it } from "vitest"

const Contact = Schema.Struct({ id: Ids.ContactId, name: Schema.String })

class Permissions extends HttpApiMiddleware.Service<Permissions>()("test/Permissions", {
  error: CatalogErrors.schemas("INSUFFICIENT_PERMISSIONS")
}) {}

class Contacts extends HttpApiGroup.make("contacts")
  .add(
    HttpApiEndpoint.get("get", "/contacts/:contactId", { params: { contactId: Ids.ContactId }, success: Contact })
      .pipe(CatalogErrors.add("NOT_FOUND", "INVALID_CONTACT_ID")),
    HttpApiEndpoint.get("list", "/contacts", {
      query: { q: Schema.optionalKey(Schema.String) },
      success: Schema.Array(Contact)
    }).pipe(CatalogErrors.add("INVALID_INPUT", "MISSING_QUERY"))
  )
  .middleware(Permissions)
  .pipe(CatalogErrors.add("UNAUTHORIZED")) {}

class Health extends HttpApiGroup.make("health", { topLevel: true }).add(
  HttpApiEndpoint.get("ping", "/ping", { success: Schema.String })
) {}

class Api extends HttpApi.make("api").add(Contacts).add(Health).pipe(
  CatalogErrors.add("RATE_LIMIT_EXCEEDED", "SERVICE_UNAVAILABLE")
) {}

type Client = ApiClient.ForApi<typeof Api>
type ErrorOf<F> = F extends (...args: never) => Effect.Effect<infer _A, infer E, infer _R> ? E : never

// What every method can fail with besides its declared catalog errors.
type Always =
  | ApiError.UnknownApiError
  | ApiError.UnexpectedResponse
  | HttpClientError.HttpClientError
  | Schema.SchemaError

declare const client: Client

describe("ApiClient.fromApi", () => {
  it("types each method's failure as exactly the catalog errors its endpoint, group, API and middleware declare", () => {
    expectTypeOf<ErrorOf<Client["contacts"]["get"]>>().toEqualTypeOf<
      | ApiError.NotFound
      | ApiError.InvalidContactId
      | ApiError.Unauthorized
      | ApiError.InsufficientPermissions
      | ApiError.RateLimitExceeded
      | ApiError.ServiceUnavailable
      | Always
    >()
    expectTypeOf<ErrorOf<Client["contacts"]["list"]>>().toEqualTypeOf<
      | ApiError.InvalidInput
      | ApiError.MissingQuery
      | ApiError.Unauthorized
      | ApiError.InsufficientPermissions
      | ApiError.RateLimitExceeded
      | ApiError.ServiceUnavailable
      | Always
    >()
    // A top-level group's endpoints are at the root.
    expectTypeOf<ErrorOf<Client["ping"]>>().toEqualTypeOf<
      ApiError.RateLimitExceeded | ApiError.ServiceUnavailable | Always
    >()
  })

  it("decodes successes with the endpoint's success schema, with the response when asked", () => {
    expectTypeOf(client.contacts.list({ query: {} })).toEqualTypeOf<
      Effect.Effect<ReadonlyArray<typeof Contact.Type>, ErrorOf<Client["contacts"]["list"]>>
    >()
    expectTypeOf(client.contacts.list({ query: {}, responseMode: "decoded-and-response" })).toEqualTypeOf<
      Effect.Effect<
        [ReadonlyArray<typeof Contact.Type>, HttpClientResponse.HttpClientResponse],
        ErrorOf<Client["contacts"]["list"]>
      >
    >()
    expectTypeOf(client.ping()).toEqualTypeOf<Effect.Effect<string, ErrorOf<Client["ping"]>>>()
  })

  it("an exhaustive catchTags over one endpoint needs exactly its tags, and refuses one it does not declare", () => {
    const program = Effect.gen(function*() {
      const client = yield* ApiClient.fromApi(Api, { baseUrl: "http://127.0.0.1", apiKey: "k" })
      return yield* client.contacts.get({ params: { contactId: Ids.ContactId.make("550e8400-e29b-41d4-a716-446655440000") } })
    })
    const handled = program.pipe(
      Effect.catchTags({
        NotFound: () => Effect.succeed("not found"),
        InvalidContactId: () => Effect.succeed("bad id"),
        Unauthorized: () => Effect.succeed("unauthorized"),
        InsufficientPermissions: () => Effect.succeed("forbidden"),
        RateLimitExceeded: () => Effect.succeed("slow down"),
        ServiceUnavailable: () => Effect.succeed("later"),
        UnknownApiError: () => Effect.succeed("drift"),
        UnexpectedResponse: () => Effect.succeed("drift"),
        HttpClientError: () => Effect.succeed("transport"),
        SchemaError: () => Effect.succeed("schema")
      })
    )
    expectTypeOf(handled).toEqualTypeOf<Effect.Effect<typeof Contact.Type | string, never, HttpClient.HttpClient>>()

    program.pipe(
      Effect.catchTags({
        NotFound: () => Effect.succeed("not found"),
        // @ts-expect-error MISSING_QUERY is not declared on contacts.get
        MissingQuery: () => Effect.succeed("never")
      })
    )
  })
})
