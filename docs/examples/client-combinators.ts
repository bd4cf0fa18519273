import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Duration, Effect, Schedule } from "effect"
import { ApiClient, Retry } from "@errata/client"

// Bring your own HttpClient: decode first (responses become failures), then retry those.
export const createContact = (baseUrl: string, apiKey: string, body: { readonly name: string; readonly email: string }) =>
  Effect.gen(function*() {
    const client = (yield* HttpClient.HttpClient).pipe(
      HttpClient.mapRequest((request) =>
        request.pipe(HttpClientRequest.prependUrl(baseUrl), HttpClientRequest.bearerToken(apiKey))),
      // Error bodies read up to 16 KiB, each attempt (the error body included) up to 10 s.
      ApiClient.decodeErrors({ maxErrorBodyBytes: 16 * 1024, timeout: "10 seconds" }),
      // POSTs get an Idempotency-Key, the same on every retry, so a retried create creates once.
      ApiClient.retryTransient({ times: 2, base: "100 millis" })
    )
    const request = yield* HttpClientRequest.post("/contacts").pipe(HttpClientRequest.bodyJson(body))
    const response = yield* client.execute(request)
    return response.status
  }).pipe(
    // A failure says how many attempts it took.
    Effect.tapError((error) => Effect.logWarning(`create failed after ${ApiClient.attempts(error) ?? 1} attempt(s)`))
  )

// The same policy as a plain Schedule, for code that is not an HttpClient.
export const withPolicy = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.retry(
    effect,
    Retry.schedule({ times: 2, base: "100 millis" }).pipe(
      Schedule.tapOutput((wait) => Effect.logDebug(`retrying in ${Duration.format(wait)}`))
    )
  )
