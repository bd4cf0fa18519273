import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "@effect/platform"
import { CatalogErrors, Ids } from "@errata/api"
import { Schema } from "effect"

const contactId = HttpApiSchema.param("contactId", Ids.ContactId)
export const Contact = Schema.Struct({ id: Ids.ContactId, name: Schema.String })

// One definition, imported by the server and the client alike: @errata/api has no server parts.
export class Api extends HttpApi.make("contacts-api").add(
  HttpApiGroup.make("contacts").add(
    HttpApiEndpoint.get("get")`/contacts/${contactId}`
      .addSuccess(Schema.Struct({ data: Contact }))
      // The errors this endpoint can answer with: the server may raise them, the client's type lists them.
      .pipe(CatalogErrors.add("NOT_FOUND", "INVALID_CONTACT_ID"))
  )
).pipe(CatalogErrors.add("UNAUTHORIZED", "RATE_LIMIT_EXCEEDED", "SERVICE_UNAVAILABLE")) {}
