import { NodeHttpClient } from "@effect/platform-node"
import { ApiClient, Envelope } from "@errata/client"
import { Effect, Layer, Schema } from "effect"

const Contact = Schema.Struct({ id: Schema.String, name: Schema.String })

// Any HttpClient program; ApiClient turns every non-2xx answer into its tagged error.
export const nameOf = (id: string) =>
  Effect.gen(function*() {
    const client = yield* ApiClient.ApiClient
    const contact = yield* client.get(`/contacts/${id}`).pipe(Effect.flatMap(Envelope.decodeData(Contact)))
    return contact.name
  }).pipe(
    Effect.catchTags({
      NotFound: (e) => Effect.succeed(`no such contact (request ${e.requestId})`),
      InvalidContactId: (e) => Effect.succeed(`"${e.value}" is not a contact ID`)
    })
  )

// Base URL, bearer key, error decoding and retries for 429/500/503, in one layer.
export const ClientLive = (baseUrl: string) =>
  ApiClient.layer({ baseUrl, apiKey: "sk_live_example" }).pipe(Layer.provide(NodeHttpClient.layerUndici))
