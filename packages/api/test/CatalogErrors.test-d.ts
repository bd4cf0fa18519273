import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "@effect/platform"
import { ApiError } from "@errata/core"
import { CatalogErrors, Ids } from "@errata/api"
import { describe, expectTypeOf, it } from "vitest"
import { Effect, Schema } from "effect"

const contactId = HttpApiSchema.param("contactId", Ids.ContactId)
const getContact = HttpApiEndpoint.get("getContact")`/contacts/${contactId}`
  .addSuccess(Schema.String)
  .pipe(CatalogErrors.add("NOT_FOUND", "INVALID_CONTACT_ID"))

class Group extends HttpApiGroup.make("contacts").add(getContact).pipe(CatalogErrors.add("UNAUTHORIZED")) {}
class Api extends HttpApi.make("api").add(Group).pipe(CatalogErrors.add("INTERNAL_ERROR")) {}

describe("CatalogErrors.add types", () => {
  it("adds the classes of the codes to the endpoint's errors", () => {
    expectTypeOf<HttpApiEndpoint.HttpApiEndpoint.Error<typeof getContact>>().toEqualTypeOf<
      ApiError.NotFound | ApiError.InvalidContactId
    >()
  })

  it("lets handlers fail with declared errors, at every level, and no others", () => {
    HttpApiBuilder.group(Api, "contacts", (handlers) =>
      handlers.handle("getContact", ({ path }) => {
        expectTypeOf(path.contactId).toEqualTypeOf<typeof Ids.ContactId.Type>()
        return path.contactId.length > 0
          ? Effect.fail(new ApiError.NotFound())
          : Effect.fail(new ApiError.Unauthorized())
      }))
    HttpApiBuilder.group(Api, "contacts", (handlers) =>
      // @ts-expect-error RATE_LIMIT_EXCEEDED is declared nowhere in this API
      handlers.handle("getContact", () => Effect.fail(new ApiError.RateLimitExceeded())))
  })

  it("keeps the class-ability of groups and APIs", () => {
    expectTypeOf(Api.groups).not.toBeNever()
  })
})
