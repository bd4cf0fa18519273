import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, Redacted, Schema } from "effect"
import { ApiError } from "@errata/core"
import { ApiClient, Envelope } from "@errata/client"

const Contact = Schema.Struct({ id: Schema.String, name: Schema.String, email: Schema.String })

// An ordinary HttpClient program: every non-2xx answer is a tagged error in the error channel.
export const getContact = (id: string) =>
  Effect.gen(function*() {
    const client = yield* ApiClient.ApiClient
    const response = yield* client.get(`/contacts/${id}`)
    return yield* Envelope.decodeData(response, Contact)
  })

export const describeContact = (id: string) =>
  getContact(id).pipe(
    Effect.map((contact) => `${contact.name} <${contact.email}>`),
    // Codes one at a time, with their typed extras and the request ID support asks for.
    Effect.catchTags({
      NotFound: (e) => Effect.succeed(`no contact ${id} (request ${e.requestId})`),
      InvalidContactId: (e) => Effect.succeed(`"${e.value}" is not a contact ID`)
    }),
    // A whole category at once: both authentication codes leave the error type here.
    ApiError.catchCategory("authentication", (e) => Effect.succeed(`access refused: ${e.code}`)),
    // Still transient after the retries below: the last attempt's error, and how many were made.
    ApiError.catchCategory("server", (e) =>
      Effect.succeed(`unavailable after ${ApiClient.attempts(e)} attempts (request ${e.requestId})`))
  )

// Retry tuned: three retries from 200 ms, a server's Retry-After obeyed up to 5 s, retrying for 20 s at most.
export const ApiLive = (baseUrl: string, apiKey: string) =>
  ApiClient.layer({
    baseUrl,
    apiKey: Redacted.make(apiKey),
    retry: { times: 3, base: "200 millis", maxRetryAfter: "5 seconds", upTo: "20 seconds" }
  }).pipe(Layer.provide(NodeHttpClient.layerUndici))

export const program = (baseUrl: string, apiKey: string, ids: ReadonlyArray<string>) =>
  Effect.forEach(ids, describeContact).pipe(Effect.provide(ApiLive(baseUrl, apiKey)))
