/**
 * The client's cost on top of `@effect/platform`'s `HttpClient`, two bars from DESIGN.md and the
 * client issue, each measured as a ratio of two benches of one run:
 *
 * - 2xx: a GET through the full errata client (base URL, bearer key, Accept, idempotency check,
 *   error decoding, retry wrapper) against the bare `HttpClient` sending the same request, both
 *   reading the same small body: at least 0.97 of the bare ops/s.
 * - 429: the errata client decoding a 429 into `RateLimitExceeded` (body read, `Wire.decode`,
 *   Retry-After) against the bare client returning the raw response: the errata side may cost at
 *   most 2x (ops/s ratio at least 0.5). Retries are off (`times: 0`), the retry wrapper stays.
 *   The raw response's body is drained as bytes so its connection is reused.
 *   Measured with a Content-Length (the body is read in one go) and chunked (the body is streamed
 *   to bound it, which costs an Effect `Stream` run).
 *
 * Both clients of a pair talk to the same responder in the same process. Two responders: a
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
import { Effect } from "effect"
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
// without one, as some proxies do, which makes the client stream the error body to bound it.
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

const errata = (client: HttpClient.HttpClient, baseUrl: string, retry: ApiClient.Options["retry"] = {}) =>
  ApiClient.fromHttpClient(client, { baseUrl, apiKey, retry })

const apiKey = "sk_live_bench"

// The bare side sends what the API needs too (URL, bearer key, Accept), built per request the way
// a program without errata would: the bars measure errata's machinery, not the wire's bytes.
const bareRequest = (url: string) =>
  HttpClientRequest.get(url).pipe(HttpClientRequest.bearerToken(apiKey), HttpClientRequest.acceptJson)

const okBare = (client: HttpClient.HttpClient, url: string) =>
  Effect.runPromise(Effect.flatMap(client.execute(bareRequest(url)), (response) => response.text))

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

const options = { time: 1500, warmupTime: 300 }

// Within a group the task that runs second is measured a few percent faster than the same task
// run first (seen by swapping them), which is as large as the 2xx bar. So each pair runs in the
// order A, B, B, A: the ratio is taken over the sums of the two runs of each.
const abba = (nameA: string, a: () => Promise<void>, nameB: string, b: () => Promise<void>) => {
  bench(`${nameA} (1)`, a, options)
  bench(`${nameB} (1)`, b, options)
  bench(`${nameB} (2)`, b, options)
  bench(`${nameA} (2)`, a, options)
}

// Warm every path before the first bench starts, so the first task of a group is not the one
// that pays for the JIT.
for (const [bare, baseUrl] of [[loopback, origin], [inMemory, "http://responder.test"]] as const) {
  const full = errata(bare, baseUrl)
  const once = errata(bare, baseUrl, { times: 0 })
  for (let i = 0; i < 1500; i++) {
    await okBare(bare, `${baseUrl}/contacts/1`)
    await okErrata(full, "/contacts/1")
    await limitedRaw(bare, `${baseUrl}/limited`)
    await limitedTyped(once, "/limited")
  }
}

for (const [name, bare, baseUrl] of [
  ["loopback node:http via undici", loopback, origin],
  ["in-memory responder", inMemory, "http://responder.test"]
] as const) {
  const full = errata(bare, baseUrl)
  const once = errata(bare, baseUrl, { times: 0 })

  describe(`2xx GET, ${name}`, () => {
    abba(
      "bare HttpClient",
      () => okBare(bare, `${baseUrl}/contacts/1`).then(() => undefined),
      "errata ApiClient",
      () => okErrata(full, "/contacts/1").then(() => undefined)
    )
  })

  describe(`429 GET, ${name}`, () => {
    abba(
      "bare HttpClient, raw response",
      () => limitedRaw(bare, `${baseUrl}/limited`).then(() => undefined),
      "errata ApiClient, decoded to RateLimitExceeded",
      () => limitedTyped(once, "/limited").then(() => undefined)
    )
  })
}

describe("429 GET, loopback, chunked body (no Content-Length)", () => {
  const once = errata(loopback, origin, { times: 0 })
  abba(
    "bare HttpClient, raw response",
    () => limitedRaw(loopback, `${origin}/chunked/limited`).then(() => undefined),
    "errata ApiClient, decoded to RateLimitExceeded",
    () => limitedTyped(once, "/chunked/limited").then(() => undefined)
  )
})
