import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { ApiError } from "@errata/core"
import { Ids } from "@errata/api"
import { Input, ServerErrors } from "@errata/server"
import { Effect, Layer, Schema } from "effect"
import { createServer } from "node:http"

const contacts = new Map([["550e8400-e29b-41d4-a716-446655440000", { name: "Ada Lovelace" }]])

// A handler raises the typed error; it never builds an error response by hand.
const getContact = Effect.gen(function*() {
  const { id } = yield* Input.path(Schema.Struct({ id: Ids.ContactId }))
  const contact = contacts.get(id)
  if (contact === undefined) return yield* new ApiError.NotFound({ message: "Contact not found" })
  return yield* HttpServerResponse.json({ data: { id, ...contact }, meta: {} })
})

// The middleware gives every response an X-Request-ID and writes every failure in the wire format.
export const app = HttpRouter.empty.pipe(HttpRouter.get("/contacts/:id", getContact), ServerErrors.middleware)

// On 127.0.0.1; port 0 picks a free port.
export const ServerLive = (port: number) =>
  HttpServer.serve(app).pipe(Layer.provideMerge(NodeHttpServer.layer(createServer, { port, host: "127.0.0.1" })))
