import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { ApiClient } from "errata/client"

// Any HttpClient program; every non-2xx answer arrives as its tagged error.
export const program = Effect.gen(function*() {
  const client = yield* ApiClient.ApiClient
  const response = yield* client.get("/contacts/550e8400-e29b-41d4-a716-446655440000")
  return yield* response.json
}).pipe(Effect.catchTags({ NotFound: (e) => Effect.succeed(`gone (request ${e.requestId})`) }))

export const ApiLive = (baseUrl: string) =>
  ApiClient.layer({ baseUrl, apiKey: "sk_live_example" }).pipe(Layer.provide(NodeHttpClient.layerUndici))
