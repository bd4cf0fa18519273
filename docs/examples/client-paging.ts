import { Effect, Schema, Stream } from "effect"
import { ApiClient, Envelope } from "@errata/client"

const Contact = Schema.Struct({ id: Schema.String, name: Schema.String, email: Schema.String })

// Every contact, page after page, until `meta.pagination.hasMore` is false.
export const allEmails = Effect.gen(function*() {
  const client = yield* ApiClient.ApiClient
  return yield* Envelope.paginate(Contact, (page) => client.get("/contacts", { urlParams: page }), { limit: 2 }).pipe(
    Stream.map((contact) => contact.email),
    Stream.runCollect
  )
})
