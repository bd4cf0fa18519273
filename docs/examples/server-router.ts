import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { ApiError } from "@errata/core"
import { Ids } from "@errata/api"
import { Input, RateLimit, ServerErrors } from "@errata/server"
import { Effect, Layer, Schema } from "effect"

const NewContact = Schema.Struct({
  email: Schema.String.pipe(Schema.pattern(/^[^@\s]+@[^@\s]+$/)),
  name: Schema.String.pipe(Schema.minLength(1))
})

const contacts = new Map<string, { readonly id: string; readonly email: string; readonly name: string }>()

export const app = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/contacts/:contactId",
    Effect.gen(function*() {
      // Not a UUID → 400 INVALID_CONTACT_ID, with the value in details.value.
      const { contactId } = yield* Input.path(Schema.Struct({ contactId: Ids.ContactId }))
      const contact = contacts.get(contactId)
      // Raise the typed error; the middleware writes the documented response.
      if (contact === undefined) return yield* new ApiError.NotFound({ message: "Contact not found" })
      return yield* HttpServerResponse.json({ data: contact })
    })
  ),
  HttpRouter.post(
    "/contacts",
    Effect.gen(function*() {
      // Not JSON, or not a NewContact → 400 VALIDATION_ERROR with one issue per field.
      const input = yield* Input.body(NewContact)
      const contact = { id: globalThis.crypto.randomUUID(), ...input }
      contacts.set(contact.id, contact)
      return yield* HttpServerResponse.json({ data: contact }, { status: 201 })
    })
  ),
  HttpRouter.get(
    "/contacts",
    Effect.gen(function*() {
      // No ?q → 400 MISSING_QUERY; ?limit=500 → 400 INVALID_INPUT.
      const { limit = 10, q } = yield* Input.query(
        Schema.Struct({ q: Schema.String, limit: Schema.optional(Schema.NumberFromString.pipe(Schema.between(1, 100))) })
      )
      const found = [...contacts.values()].filter((c) => c.name.includes(q)).slice(0, limit)
      return yield* HttpServerResponse.json({ data: found, meta: { pagination: { limit, offset: 0, hasMore: false } } })
    })
  ),
  // Free tier for everyone (10 a minute, bursts of 15), one bucket per API key or address.
  RateLimit.middleware,
  // Outermost: X-Request-ID on every response, every failure in the wire format.
  ServerErrors.middleware
)

// Serve it with any HttpServer, e.g.
// ServerLive.pipe(Layer.provide(NodeHttpServer.layer(createServer, { port: 3000 })), Layer.launch, NodeRuntime.runMain)
export const ServerLive = HttpServer.serve(app).pipe(Layer.provide(RateLimit.layerMemory))
