import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, type HttpClient, type HttpClientError, type HttpClientResponse } from "@effect/platform"
import { CatalogErrors, Ids } from "@errata/api"
import { ApiClient } from "@errata/client"
import type { ApiError } from "@errata/core"
import { Effect, type ParseResult, Schema } from "effect"
import { describe, expectTypeOf, it } from "vitest"

const contactId = HttpApiSchema.param("contactId", Ids.ContactId)
const Contact = Schema.Struct({ id: Ids.ContactId, name: Schema.String })

class Contacts extends HttpApiGroup.make("contacts")
  .add(
    HttpApiEndpoint.get("get")`/contacts/${contactId}`
      .addSuccess(Contact)
      .pipe(CatalogErrors.add("NOT_FOUND", "INVALID_CONTACT_ID"))
  )
  .add(
    HttpApiEndpoint.get("list", "/contacts")
      .setUrlParams(Schema.Struct({ q: Schema.optional(Schema.String) }))
      .addSuccess(Schema.Array(Contact))
      .pipe(CatalogErrors.add("INVALID_INPUT", "MISSING_QUERY"))
  )
  .pipe(CatalogErrors.add("UNAUTHORIZED")) {}

class Api extends HttpApi.make("api").add(Contacts).pipe(CatalogErrors.add("RATE_LIMIT_EXCEEDED", "SERVICE_UNAVAILABLE")) {}

type Client = ApiClient.ForApi<typeof Api>
type ErrorOf<F> = F extends (...args: never) => Effect.Effect<infer _A, infer E, infer _R> ? E : never

// What every method can fail with besides its declared catalog errors.
type Always =
  | ApiError.UnknownApiError
  | ApiError.UnexpectedResponse
  | HttpClientError.HttpClientError
  | ParseResult.ParseError

declare const client: Client

describe("ApiClient.fromApi", () => {
  it("types each method's failure as exactly the catalog errors its endpoint, group and API declare", () => {
    expectTypeOf<ErrorOf<Client["contacts"]["get"]>>().toEqualTypeOf<
      | ApiError.NotFound
      | ApiError.InvalidContactId
      | ApiError.Unauthorized
      | ApiError.RateLimitExceeded
      | ApiError.ServiceUnavailable
      | Always
    >()
    expectTypeOf<ErrorOf<Client["contacts"]["list"]>>().toEqualTypeOf<
      | ApiError.InvalidInput
      | ApiError.MissingQuery
      | ApiError.Unauthorized
      | ApiError.RateLimitExceeded
      | ApiError.ServiceUnavailable
      | Always
    >()
  })

  it("decodes successes with the endpoint's success schema, with the response when asked", () => {
    expectTypeOf(client.contacts.list({ urlParams: {} })).toEqualTypeOf<
      Effect.Effect<ReadonlyArray<typeof Contact.Type>, ErrorOf<Client["contacts"]["list"]>>
    >()
    expectTypeOf(client.contacts.list({ urlParams: {}, withResponse: true })).toEqualTypeOf<
      Effect.Effect<[ReadonlyArray<typeof Contact.Type>, HttpClientResponse.HttpClientResponse], ErrorOf<Client["contacts"]["list"]>>
    >()
  })

  it("an exhaustive catchTags over one endpoint needs exactly its tags, and refuses one it does not declare", () => {
    const program = Effect.gen(function*() {
      const client = yield* ApiClient.fromApi(Api, { baseUrl: "http://127.0.0.1", apiKey: "k" })
      return yield* client.contacts.get({ path: { contactId: Ids.ContactId.make("550e8400-e29b-41d4-a716-446655440000") } })
    })
    const handled = program.pipe(
      Effect.catchTags({
        NotFound: () => Effect.succeed("not found"),
        InvalidContactId: () => Effect.succeed("bad id"),
        Unauthorized: () => Effect.succeed("unauthorized"),
        RateLimitExceeded: () => Effect.succeed("slow down"),
        ServiceUnavailable: () => Effect.succeed("later"),
        UnknownApiError: () => Effect.succeed("drift"),
        UnexpectedResponse: () => Effect.succeed("drift"),
        RequestError: () => Effect.succeed("transport"),
        ResponseError: () => Effect.succeed("transport"),
        ParseError: () => Effect.succeed("schema")
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
