/**
 * The errata client for Effect 4 (`errata/client`): an `HttpClient` whose failures are the API's
 * typed errors, retried the way the API asks.
 *
 * @example
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Effect, Layer } from "effect"
 * import { ApiClient } from "errata/client"
 *
 * const contacts = Effect.flatMap(ApiClient.ApiClient, (client) => client.get("/contacts")).pipe(
 *   Effect.catchTags({ Unauthorized: () => Effect.succeed("check ERRATA_API_KEY") })
 * )
 * const ApiLive = ApiClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))
 *
 * @since 0.1.0
 */

/**
 * The errata client: an `HttpClient` whose failures are the typed errors, with retries for the
 * transient ones; its layer and its combinators.
 *
 * @example
 * import { ApiClient } from "errata/client"
 * const ApiLive = ApiClient.layer({ baseUrl: "https://api.example.com/v1", apiKey: "sk_live_…" })
 *
 * @since 0.1.0
 */
export * as ApiClient from "./ApiClient.js"

/**
 * The retry policy as the `Schedule` the client runs: which failures retry, how long to wait,
 * `Retry-After`, the retry budget.
 *
 * @example
 * import { Effect } from "effect"
 * import { Retry } from "errata/client"
 * const patiently = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.retry(effect, Retry.schedule({ times: 3 }))
 *
 * @since 0.1.0
 */
export * as Retry from "./Retry.js"

/**
 * The success envelope `{ data, meta }` decoded with a `Schema`, and paging as a `Stream`.
 *
 * @example
 * import { Schema } from "effect"
 * import { Envelope } from "errata/client"
 * const ContactBody = Envelope.schema(Schema.Struct({ id: Schema.String, email: Schema.String }))
 *
 * @since 0.1.0
 */
export * as Envelope from "./Envelope.js"
