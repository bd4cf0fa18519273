import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Either, Layer, Redacted } from "effect"
import { ApiClient } from "@errata/client"

// One client per process, so one retry budget for all its fibers. Here retries may add 10% of
// the successful traffic, plus 2 per second whatever the traffic (the defaults: 20% and 10/s).
export const ApiLive = (baseUrl: string, apiKey: string) =>
  ApiClient.layer({
    baseUrl,
    apiKey: Redacted.make(apiKey),
    retry: { times: 5, retryBudget: { share: 0.1, minRetriesPerSecond: 2, window: "10 seconds" } }
  }).pipe(Layer.provide(NodeHttpClient.layerUndici))

// Many lookups at once through that client. In an outage the first few are retried; once the
// budget is spent the others fail at once with the server's own error, ServiceUnavailable.
export const lookUpAll = (ids: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const client = yield* ApiClient.ApiClient
    const outcomes = yield* Effect.forEach(ids, (id) => Effect.either(client.get(`/contacts/${id}`)), { concurrency: 10 })
    return outcomes.map((outcome) => (Either.isRight(outcome) ? "ok" : outcome.left._tag))
  })
