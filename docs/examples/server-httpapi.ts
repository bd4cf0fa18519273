import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { ApiError } from "@errata/core"
import { CatalogErrors, Ids } from "@errata/api"
import { RateLimit, ServerErrors } from "@errata/server"
import { Effect, Layer, Schema } from "effect"

const contactId = HttpApiSchema.param("contactId", Ids.ContactId)
const Contact = Schema.Struct({ id: Ids.ContactId, name: Schema.String })

class Contacts extends HttpApiGroup.make("contacts")
  .add(
    HttpApiEndpoint.get("getContact")`/contacts/${contactId}`
      .addSuccess(Schema.Struct({ data: Contact }))
      // Declared errors: handlers may fail with them, OpenAPI lists them per status.
      .pipe(CatalogErrors.add("NOT_FOUND", "INVALID_CONTACT_ID"))
  )
  .add(
    HttpApiEndpoint.post("createContact", "/contacts")
      .setPayload(Schema.Struct({ name: Schema.String.pipe(Schema.minLength(1)) }))
      .addSuccess(Schema.Struct({ data: Contact }), { status: 201 })
      .pipe(CatalogErrors.add("VALIDATION_ERROR"))
  )
{}

export class Api extends HttpApi.make("contacts-api")
  .add(Contacts)
  .pipe(CatalogErrors.add("RATE_LIMIT_EXCEEDED", "INTERNAL_ERROR"))
  // The middleware answers decode failures in the wire format: say so in the OpenAPI document.
  .annotate(OpenApi.Transform, CatalogErrors.withoutDecodeError)
{}

const store = new Map<typeof Ids.ContactId.Type, typeof Contact.Type>()

const ContactsLive = HttpApiBuilder.group(Api, "contacts", (handlers) =>
  handlers
    .handle("getContact", ({ path }) => {
      const contact = store.get(path.contactId)
      return contact === undefined
        ? Effect.fail(new ApiError.NotFound({ message: "Contact not found" }))
        : Effect.succeed({ data: contact })
    })
    .handle("createContact", ({ payload }) => {
      const contact = { id: Ids.ContactId.make(globalThis.crypto.randomUUID()), name: payload.name }
      store.set(contact.id, contact)
      return Effect.succeed({ data: contact })
    }))

// API-level middlewares see the raw failures before the builder encodes them. RateLimit answers
// its own 429s, so the two work in either order.
const Middlewares = Layer.mergeAll(
  ServerErrors.layer(),
  RateLimit.layer({ tiers: { ...RateLimit.tiers, enterprise: { perMinute: 1000, burst: 1500 } } })
).pipe(Layer.provide(RateLimit.layerMemory))

// Serve it with any HttpServer, as in the router example; /openapi.json describes the errors.
export const ServerLive = HttpApiBuilder.serve().pipe(
  Layer.provide(HttpApiBuilder.middlewareOpenApi()),
  Layer.provide(Middlewares),
  Layer.provide(HttpApiBuilder.api(Api).pipe(Layer.provide(ContactsLive)))
)
