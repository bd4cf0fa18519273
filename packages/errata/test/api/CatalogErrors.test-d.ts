import { Effect, Schema } from "effect"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { ApiError } from "errata"
import { describe, expectTypeOf, it } from "vitest"
import { CatalogErrors, Ids } from "errata/api"

const getContact = HttpApiEndpoint.get("getContact", "/contacts/:contactId", {
  params: { contactId: Ids.ContactId },
  success: Schema.String
}).pipe(CatalogErrors.add("NOT_FOUND", "INVALID_CONTACT_ID"))

class Group extends HttpApiGroup.make("contacts").add(getContact).pipe(CatalogErrors.add("UNAUTHORIZED")) {}
class Api extends HttpApi.make("api").add(Group).pipe(CatalogErrors.add("INTERNAL_ERROR")) {}

describe("CatalogErrors.add types", () => {
  it("adds the classes of the codes to the endpoint's errors", () => {
    expectTypeOf<HttpApiEndpoint.Error<typeof getContact>["Type"]>().toEqualTypeOf<
      ApiError.NotFound | ApiError.InvalidContactId
    >()
    // Data first, too.
    expectTypeOf<HttpApiEndpoint.Error<ReturnType<typeof _dataFirst>>["Type"]>().toEqualTypeOf<ApiError.NotFound>()
  })

  it("lets handlers fail with declared errors, at every level, and no others", () => {
    HttpApiBuilder.group(Api, "contacts", (handlers) =>
      handlers.handle("getContact", ({ params }) => {
        expectTypeOf(params.contactId).toEqualTypeOf<typeof Ids.ContactId.Type>()
        return params.contactId.length > 0
          ? Effect.fail(new ApiError.NotFound())
          : params.contactId.length > 1
          ? Effect.fail(new ApiError.InternalError())
          : Effect.fail(new ApiError.Unauthorized())
      }))
    HttpApiBuilder.group(Api, "contacts", (handlers) =>
      // @ts-expect-error RATE_LIMIT_EXCEEDED is declared nowhere in this API
      handlers.handle("getContact", () => Effect.fail(new ApiError.RateLimitExceeded())))
  })

  it("keeps the class-ability of groups and APIs", () => {
    expectTypeOf(Api.groups.contacts.endpoints.getContact.identifier).toEqualTypeOf<"getContact">()
  })

  it("schema(...codes) is a codec of the classes of its codes and their wire body", () => {
    expectTypeOf<typeof CatalogErrors.schema<"NOT_FOUND" | "UNAUTHORIZED">>().returns.toEqualTypeOf<
      CatalogErrors.ErrorSchema<"NOT_FOUND" | "UNAUTHORIZED">
    >()
    expectTypeOf<CatalogErrors.ErrorSchema<"NOT_FOUND">["Type"]>().toEqualTypeOf<ApiError.NotFound>()
  })
})

const _dataFirst = () => CatalogErrors.add(HttpApiEndpoint.get("x", "/x"), "NOT_FOUND")
