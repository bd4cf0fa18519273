import { HttpApiBuilder } from "@effect/platform"
import { ApiError } from "@errata/core"
import { ServerErrors } from "@errata/server"
import * as NodeServer from "@errata/server/NodeServer"
import { Effect, Layer } from "effect"
import { Api, type Contact } from "./getting-started-api.js"

const contacts = new Map<string, typeof Contact.Type>()

// Handlers fail with the catalog's errors; the middleware writes them in the wire format.
const ContactsLive = HttpApiBuilder.group(Api, "contacts", (handlers) =>
  handlers.handle("get", ({ path }) => {
    const contact = contacts.get(path.contactId)
    return contact === undefined ? Effect.fail(new ApiError.NotFound({ message: "Contact not found" })) : Effect.succeed({ data: contact })
  }))

export const addContact = (contact: typeof Contact.Type) => Effect.sync(() => void contacts.set(contact.id, contact))

// On 127.0.0.1; port 0 picks a free port.
export const ServerLive = (port: number) =>
  HttpApiBuilder.serve().pipe(
    Layer.provide(ServerErrors.layer()),
    Layer.provide(HttpApiBuilder.api(Api).pipe(Layer.provide(ContactsLive))),
    Layer.provideMerge(NodeServer.layer({ port, host: "127.0.0.1" }))
  )
