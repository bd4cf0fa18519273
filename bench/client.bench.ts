/**
 * The client's cost, as ratios of benches in one run, against what a program would do instead
 * (DESIGN.md "Bars"):
 *
 * - 2xx: a GET through the full errata client (base URL, bearer key, Accept, idempotency check,
 *   error decoding, the per-attempt timeout, retry wrapper) against the bare `HttpClient` sending
 *   the same request, both reading the same small body: at least 0.97 of the bare ops/s. Reported
 *   beside it: the bare client with `Effect.timeoutFail` around each request, the way a program
 *   without errata gets the per-attempt timeout errata has by default (the same work).
 * - 429, against the bare client returning the raw response (its body drained as bytes so its
 *   connection is reused): errata, decoding the 429 into `RateLimitExceeded` (body read,
 *   `Wire.decode`, Retry-After), may cost at most 2x (ops/s ratio at least 0.5).
 * - 429, against the Effect-native way of doing errata's job by hand: `HttpClient.filterStatusOk`,
 *   catch the `ResponseError`, read `response.json`, decode it with a `Schema.Union` of the
 *   program's own `Schema.TaggedError` classes, keep the request ID. errata: at least 1.0 of it.
 * - 429, against plain undici with `JSON.parse` and a `switch` (no Effect at all): reported.
 *
 * The 429s are measured with a Content-Length (errata reads the body in one go) and chunked,
 * without one, as many proxies send them (errata reads it through the bounded reader). Retries are
 * off on the errata side (`times: 0`); the retry wrapper and the timeout stay.
 *
 * Both sides of a pair talk to the same responder in the same process. Two responders: a
 * `node:http` server on 127.0.0.1 reached through undici (what a program pays per request), and
 * an in-memory `HttpClient` that answers without any I/O (the client's own overhead laid bare,
 * where a few microseconds of bookkeeping weigh the most).
 *
 * Reading the output: each pair runs as A (1), B (1), B (2), A (2); the ratio is
 * (B (1) + B (2)) / (A (1) + A (2)) of the ops/s column.
 */
import { HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Agent } from "@effect/platform-node/Undici"
import { ApiClient } from "@errata/client"
import { Effect, Schema } from "effect"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, bench, describe } from "vitest"

const okBody = JSON.stringify({ data: { id: "550e8400-e29b-41d4-a716-446655440000", email: "ada@example.com" }, meta: {} })
const rateLimitedBody = JSON.stringify({
  error: { code: "RATE_LIMIT_EXCEEDED", message: "Too many requests", details: { retryAfter: 30 } }
})
const okHeaders = { "content-type": "application/json", "x-request-id": "req_bench_ok" }
const rateLimitedHeaders = { "content-type": "application/json", "x-request-id": "req_bench_429", "retry-after": "30" }

// With a Content-Length, as a JSON API built on @effect/platform's server answers; `/chunked`
// without one, as some proxies do.
const server = createServer((request, response) => {
  const limited = request.url?.endsWith("/limited") === true
  const body = limited ? rateLimitedBody : okBody
  response.writeHead(limited ? 429 : 200, {
    ...(limited ? rateLimitedHeaders : okHeaders),
    ...(request.url?.includes("/chunked/") === true ? {} : { "content-length": String(Buffer.byteLength(body)) })
  })
  response.end(body)
})
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
// Boundary: a TCP server listening on a port always has an AddressInfo address.
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
const agent = new Agent({ connections: 16 })
afterAll(async () => {
  await agent.close()
  server.closeAllConnections()
  server.close()
})

const loopback = NodeHttpClient.makeUndici(agent)

const inMemory = HttpClient.make((request) =>
  Effect.succeed(
    request.url.endsWith("/limited")
      ? HttpClientResponse.fromWeb(
        request,
        new Response(rateLimitedBody, {
          status: 429,
          headers: { ...rateLimitedHeaders, "content-length": String(rateLimitedBody.length) }
        })
      )
      : HttpClientResponse.fromWeb(request, new Response(okBody, { status: 200, headers: okHeaders }))
  )
)

const apiKey = "sk_live_bench"

const errata = (client: HttpClient.HttpClient, baseUrl: string, retry: ApiClient.Options["retry"] = {}) =>
  ApiClient.fromHttpClient(client, { baseUrl, apiKey, retry })

// The other sides send what the API needs too (URL, bearer key, Accept), built per request the way
// a program without errata would: the bars measure errata's machinery, not the wire's bytes.
const bareRequest = (url: string) =>
  HttpClientRequest.get(url).pipe(HttpClientRequest.bearerToken(apiKey), HttpClientRequest.acceptJson)

const okBare = (client: HttpClient.HttpClient, url: string) =>
  Effect.runPromise(Effect.flatMap(client.execute(bareRequest(url)), (response) => response.text))

// The same 60 s timeout as errata's default, failing as errata's does.
const okBareTimed = (client: HttpClient.HttpClient, url: string) =>
  Effect.runPromise(
    client.execute(bareRequest(url)).pipe(
      Effect.timeoutFail({ duration: "60 seconds", onTimeout: () => new Error("timed out") }),
      Effect.flatMap((response) => response.text)
    )
  )

const okErrata = (client: ApiClient.Client, path: string) =>
  Effect.runPromise(Effect.flatMap(client.get(path), (response) => response.text))

// The errata side must fail with the typed error; anything else would make the bench meaningless.
const limitedTyped = (client: ApiClient.Client, url: string) =>
  Effect.runPromise(
    client.get(url).pipe(
      Effect.flip,
      Effect.filterOrDieMessage((e) => e._tag === "RateLimitExceeded", "expected RateLimitExceeded")
    )
  )

// The raw response, its body drained unread (as bytes) so the connection goes back to the pool.
const limitedRaw = (client: HttpClient.HttpClient, url: string) =>
  Effect.runPromise(Effect.flatMap(client.execute(bareRequest(url)), (response) => response.arrayBuffer))

// errata's job done by hand, the Effect-native way: the program's own tagged errors, one per code
// it cares about, a Schema for the wire body, and `filterStatusOk` to make a non-2xx a failure.
class RateLimitExceeded extends Schema.TaggedError<RateLimitExceeded>()("RateLimitExceeded", {
  message: Schema.String,
  details: Schema.optional(Schema.Struct({ retryAfter: Schema.Number })),
  requestId: Schema.optional(Schema.String)
}) {}
class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  message: Schema.String,
  requestId: Schema.optional(Schema.String)
}) {}
class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>()("ServiceUnavailable", {
  message: Schema.String,
  requestId: Schema.optional(Schema.String)
}) {}
class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  message: Schema.String,
  requestId: Schema.optional(Schema.String)
}) {}
const ApiFailure = Schema.Union(RateLimitExceeded, NotFound, ServiceUnavailable, Unauthorized)
const WireBody = Schema.Struct({
  error: Schema.Struct({ code: Schema.String, message: Schema.String, details: Schema.optional(Schema.Unknown) })
})
const tagOf: Record<string, string> = {
  RATE_LIMIT_EXCEEDED: "RateLimitExceeded",
  NOT_FOUND: "NotFound",
  SERVICE_UNAVAILABLE: "ServiceUnavailable",
  UNAUTHORIZED: "Unauthorized"
}
const decodeWireBody = Schema.decodeUnknown(WireBody)
const decodeFailure = Schema.decodeUnknown(ApiFailure)

const byHand = (client: HttpClient.HttpClient, baseUrl: string) => {
  const checked = client.pipe(
    HttpClient.mapRequest((request) =>
      request.pipe(HttpClientRequest.prependUrl(baseUrl), HttpClientRequest.bearerToken(apiKey), HttpClientRequest.acceptJson)
    ),
    HttpClient.filterStatusOk
  )
  return (path: string) =>
    checked.get(path).pipe(
      Effect.catchTag("ResponseError", (error) =>
        error.response.json.pipe(
          Effect.flatMap(decodeWireBody),
          Effect.flatMap(({ error: body }) =>
            decodeFailure({ ...body, _tag: tagOf[body.code], requestId: error.response.headers["x-request-id"] })
          ),
          Effect.flatMap(Effect.fail)
        ))
    )
}

const limitedByHand = (get: ReturnType<typeof byHand>, path: string) =>
  Effect.runPromise(
    get(path).pipe(
      Effect.flip,
      Effect.filterOrDieMessage((e) => e._tag === "RateLimitExceeded" && e.requestId === "req_bench_429", "expected RateLimitExceeded")
    )
  )

// No Effect at all: undici's `request`, `JSON.parse` and a `switch` over the code.
class PlainApiError extends Error {
  constructor(readonly code: string, readonly status: number, readonly requestId: string | undefined) {
    super(code)
  }
}
const plainUndici = async (path: string): Promise<PlainApiError | string> => {
  const response = await agent.request({
    origin,
    path,
    method: "GET",
    headers: { authorization: `Bearer ${apiKey}`, accept: "application/json" }
  })
  const text = await response.body.text()
  if (response.statusCode >= 200 && response.statusCode < 300) return text
  const requestId = response.headers["x-request-id"]
  const parsed: unknown = JSON.parse(text)
  const code = typeof parsed === "object" && parsed !== null && "error" in parsed && typeof parsed.error === "object" &&
      parsed.error !== null && "code" in parsed.error && typeof parsed.error.code === "string"
    ? parsed.error.code
    : "UNEXPECTED"
  switch (code) {
    case "RATE_LIMIT_EXCEEDED":
    case "NOT_FOUND":
    case "SERVICE_UNAVAILABLE":
    case "UNAUTHORIZED":
      return new PlainApiError(code, response.statusCode, typeof requestId === "string" ? requestId : undefined)
    default:
      return new PlainApiError("UNEXPECTED", response.statusCode, undefined)
  }
}
const limitedPlain = (path: string) =>
  plainUndici(path).then((result) => {
    if (typeof result === "string" || result.code !== "RATE_LIMIT_EXCEEDED") return Promise.reject(new Error("expected a 429"))
  })

const options = { time: 1500, warmupTime: 300 }

// Within a group the task that runs second is measured a few percent faster than the same task
// run first (seen by swapping them), which is as large as the 2xx bar. So each pair runs in the
// order A, B, B, A: the ratio is taken over the sums of the two runs of each.
const abba = (nameA: string, a: () => Promise<unknown>, nameB: string, b: () => Promise<unknown>) => {
  const runA = () => a().then(() => undefined)
  const runB = () => b().then(() => undefined)
  bench(`${nameA} (1)`, runA, options)
  bench(`${nameB} (1)`, runB, options)
  bench(`${nameB} (2)`, runB, options)
  bench(`${nameA} (2)`, runA, options)
}

const responders = [
  ["loopback node:http via undici", loopback, origin],
  ["in-memory responder", inMemory, "http://responder.test"]
] as const

// Warm every path before the first bench starts, so the first task of a group is not the one
// that pays for the JIT.
for (const [, bare, baseUrl] of responders) {
  const full = errata(bare, baseUrl)
  const once = errata(bare, baseUrl, { times: 0 })
  const native = byHand(bare, baseUrl)
  for (let i = 0; i < 1500; i++) {
    await okBare(bare, `${baseUrl}/contacts/1`)
    await okBareTimed(bare, `${baseUrl}/contacts/1`)
    await okErrata(full, "/contacts/1")
    await limitedRaw(bare, `${baseUrl}/limited`)
    await limitedTyped(once, "/limited")
    await limitedByHand(native, "/limited")
    if (bare === loopback) {
      await limitedRaw(bare, `${baseUrl}/chunked/limited`)
      await limitedTyped(once, "/chunked/limited")
      await limitedByHand(native, "/chunked/limited")
      await limitedPlain("/limited")
    }
  }
}

const typed = "errata ApiClient, decoded to RateLimitExceeded"
const raw = "bare HttpClient, raw response"
const native = "Effect-native by hand (filterStatusOk + Schema)"
const plain = "plain undici + JSON.parse + switch"

for (const [name, bare, baseUrl] of responders) {
  const full = errata(bare, baseUrl)
  const once = errata(bare, baseUrl, { times: 0 })
  const get = byHand(bare, baseUrl)

  describe(`2xx GET, ${name}`, () => {
    abba("bare HttpClient", () => okBare(bare, `${baseUrl}/contacts/1`), "errata ApiClient", () => okErrata(full, "/contacts/1"))
  })
  describe(`2xx GET, ${name}: against the bare client with Effect.timeout`, () => {
    abba(
      "bare HttpClient + Effect.timeoutFail",
      () => okBareTimed(bare, `${baseUrl}/contacts/1`),
      "errata ApiClient",
      () => okErrata(full, "/contacts/1")
    )
  })
  describe(`429 GET, ${name}: against the raw response`, () => {
    abba(raw, () => limitedRaw(bare, `${baseUrl}/limited`), typed, () => limitedTyped(once, "/limited"))
  })
  describe(`429 GET, ${name}: against the Effect-native way by hand`, () => {
    abba(native, () => limitedByHand(get, "/limited"), typed, () => limitedTyped(once, "/limited"))
  })
}

describe("429 GET, loopback: against plain undici", () => {
  const once = errata(loopback, origin, { times: 0 })
  abba(plain, () => limitedPlain("/limited"), typed, () => limitedTyped(once, "/limited"))
})

describe("429 GET, loopback, chunked body (no Content-Length): against the raw response", () => {
  const once = errata(loopback, origin, { times: 0 })
  abba(raw, () => limitedRaw(loopback, `${origin}/chunked/limited`), typed, () => limitedTyped(once, "/chunked/limited"))
})

describe("429 GET, loopback, chunked body (no Content-Length): against the Effect-native way by hand", () => {
  const once = errata(loopback, origin, { times: 0 })
  const get = byHand(loopback, origin)
  abba(native, () => limitedByHand(get, "/chunked/limited"), typed, () => limitedTyped(once, "/chunked/limited"))
})
