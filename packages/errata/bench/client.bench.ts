/**
 * The Effect 4 client's cost, as ratios of benches in one run, against what a program would do
 * instead (DESIGN.md "Bars"); the Effect 3 edition's `bench/client.bench.ts`, on `effect/http`.
 *
 * - 2xx: a GET through the full errata client (base URL, bearer key, Accept, idempotency check,
 *   redirects, error decoding, the per-attempt timeout, retry wrapper) against the bare
 *   `HttpClient` sending the same request, both reading the same small body: at least 0.97 of the
 *   bare ops/s. Reported beside it: the bare client with `Effect.timeoutOrElse` around each
 *   request, the way a program without errata gets the per-attempt timeout errata has by default
 *   (the same work), and errata with `timeout: false`, which prices the timeout itself.
 * - 429, against the bare client returning the raw response (its body drained as bytes so its
 *   connection is reused): errata, decoding the 429 into `RateLimitExceeded`, may cost at most 2x.
 * - 429, against the Effect-native way of doing errata's job by hand: `HttpClient.filterStatusOk`,
 *   `Effect.catchReason("HttpClientError", "StatusCodeError", …)`, read `response.json`, decode it
 *   with a `Schema.Union` of the program's own `Schema.TaggedError` classes, keep the request ID.
 *   errata: at least 1.0 of it.
 *
 * Retries are off on the errata side of the 429s (`times: 0`); the timeout stays. Two responders:
 * a `node:http` server on 127.0.0.1 reached through undici, and an in-memory `HttpClient` that
 * answers without any I/O (the client's own overhead laid bare).
 *
 * Vitest 5 runs benchmarks inside tests (`bench` is a test fixture). Each pair runs as A, B, B,
 * A three times over; the ratio printed is the sum of B's ops/s over the sum of A's, each taken
 * from the mean latency (`1000 / period`).
 *
 * Run: `npx -y node@22 ./node_modules/vitest/vitest.mjs bench --run bench/client.bench.ts` in
 * packages/errata.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Agent } from "@effect/platform-node/Undici"
import { Effect, Schema } from "effect"
import { HttpClient, HttpClientRequest, HttpClientResponse } from "effect/http"
import { ApiClient } from "errata/client"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, type Bench, type BenchResult, describe, test } from "vitest"

const okBody = JSON.stringify({ data: { id: "550e8400-e29b-41d4-a716-446655440000", email: "ada@example.com" }, meta: {} })
const rateLimitedBody = JSON.stringify({
  error: { code: "RATE_LIMIT_EXCEEDED", message: "Too many requests", details: { retryAfter: 30 } }
})
const okHeaders = { "content-type": "application/json", "x-request-id": "req_bench_ok" }
const rateLimitedHeaders = { "content-type": "application/json", "x-request-id": "req_bench_429", "retry-after": "30" }

const server = createServer((request, response) => {
  const limited = request.url?.endsWith("/limited") === true
  const body = limited ? rateLimitedBody : okBody
  response.writeHead(limited ? 429 : 200, {
    ...(limited ? rateLimitedHeaders : okHeaders),
    "content-length": String(Buffer.byteLength(body))
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

const loopback = Effect.runSync(Effect.provideService(NodeHttpClient.makeUndici, NodeHttpClient.Dispatcher, agent))

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

const errata = (client: HttpClient.HttpClient, baseUrl: string, options: Partial<ApiClient.Options> = {}) =>
  ApiClient.fromHttpClient(client, { baseUrl, apiKey, ...options })

// The other sides send what the API needs too (URL, bearer key, Accept), built per request the way
// a program without errata would: the bars measure errata's machinery, not the wire's bytes.
const bareRequest = (url: string) => HttpClientRequest.get(url).pipe(HttpClientRequest.bearerToken(apiKey), HttpClientRequest.acceptJson)

const okBare = (client: HttpClient.HttpClient, url: string) =>
  Effect.runPromise(Effect.flatMap(client.execute(bareRequest(url)), (response) => response.text))

// The same 60 s timeout as errata's default, failing as a program would make it fail.
const okBareTimed = (client: HttpClient.HttpClient, url: string) =>
  Effect.runPromise(
    client.execute(bareRequest(url)).pipe(
      Effect.timeoutOrElse({ duration: "60 seconds", orElse: () => Effect.fail(new Error("timed out")) }),
      Effect.flatMap((response) => response.text)
    )
  )

const okErrata = (client: ApiClient.Client, path: string) => Effect.runPromise(Effect.flatMap(client.get(path), (response) => response.text))

// The errata side must fail with the typed error; anything else would make the bench meaningless.
const limitedTyped = (client: ApiClient.Client, url: string) =>
  Effect.runPromise(
    client.get(url).pipe(
      Effect.flip,
      Effect.filterOrFail((e) => e._tag === "RateLimitExceeded", () => new Error("expected RateLimitExceeded"))
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
const ApiFailure = Schema.Union([RateLimitExceeded, NotFound, ServiceUnavailable, Unauthorized])
const WireBody = Schema.Struct({
  error: Schema.Struct({ code: Schema.String, message: Schema.String, details: Schema.optional(Schema.Unknown) })
})
const tagOf: Record<string, string> = {
  RATE_LIMIT_EXCEEDED: "RateLimitExceeded",
  NOT_FOUND: "NotFound",
  SERVICE_UNAVAILABLE: "ServiceUnavailable",
  UNAUTHORIZED: "Unauthorized"
}
const decodeWireBody = Schema.decodeUnknownEffect(WireBody)
const decodeFailure = Schema.decodeUnknownEffect(ApiFailure)

const byHand = (client: HttpClient.HttpClient, baseUrl: string) => {
  const checked = client.pipe(
    HttpClient.mapRequest((request) =>
      request.pipe(HttpClientRequest.prependUrl(baseUrl), HttpClientRequest.bearerToken(apiKey), HttpClientRequest.acceptJson)
    ),
    HttpClient.filterStatusOk
  )
  return (path: string) =>
    checked.get(path).pipe(
      Effect.catchReason("HttpClientError", "StatusCodeError", (reason) =>
        reason.response.json.pipe(
          Effect.flatMap(decodeWireBody),
          Effect.flatMap(({ error: body }) =>
            decodeFailure({ ...body, _tag: tagOf[body.code], requestId: reason.response.headers["x-request-id"] })
          ),
          Effect.flatMap(Effect.fail)
        ))
    )
}

const limitedByHand = (get: ReturnType<typeof byHand>, path: string) =>
  Effect.runPromise(
    get(path).pipe(
      Effect.flip,
      Effect.filterOrFail(
        (e) => e._tag === "RateLimitExceeded" && e.requestId === "req_bench_429",
        () => new Error("expected RateLimitExceeded")
      )
    )
  )

const options = { time: 500, warmupTime: 100 }

const hz = (result: BenchResult): number => 1000 / result.period

// Within a group the task that runs second is measured a few percent faster than the same task
// run first, which is as large as the 2xx bar, and this machine's load drifts within seconds. So
// each pair runs as A, B, B, A three times over, in short runs: the ratio is taken over the sums
// of the six runs of each.
const cycles = 3

const abba = async (
  bench: Bench,
  group: string,
  nameA: string,
  a: () => Promise<unknown>,
  nameB: string,
  b: () => Promise<unknown>
): Promise<void> => {
  const runA = () => a().then(() => undefined)
  const runB = () => b().then(() => undefined)
  const namesA: Array<string> = []
  const namesB: Array<string> = []
  const tasks = []
  for (let cycle = 0; cycle < cycles; cycle++) {
    const a1 = `${nameA} (${2 * cycle + 1})`
    const b1 = `${nameB} (${2 * cycle + 1})`
    const b2 = `${nameB} (${2 * cycle + 2})`
    const a2 = `${nameA} (${2 * cycle + 2})`
    namesA.push(a1, a2)
    namesB.push(b1, b2)
    tasks.push(bench(a1, runA), bench(b1, runB), bench(b2, runB), bench(a2, runA))
  }
  const results = await bench.compare(...tasks, options)
  const sum = (names: ReadonlyArray<string>) => names.reduce((total, name) => total + hz(results.get(name)), 0)
  const hzA = sum(namesA)
  const hzB = sum(namesB)
  console.log(
    `[ratio] ${group}: ${nameB} / ${nameA} = ${(hzB / hzA).toFixed(3)} ` +
      `(${Math.round(hzB / namesB.length)} vs ${Math.round(hzA / namesA.length)} ops/s)`
  )
}

const responders = [
  ["loopback node:http via undici", loopback, origin],
  ["in-memory responder", inMemory, "http://responder.test"]
] as const

// Warm every path before the first bench starts, so the first task of a group is not the one
// that pays for the JIT.
for (const [, bare, baseUrl] of responders) {
  const full = errata(bare, baseUrl)
  const untimed = errata(bare, baseUrl, { timeout: false })
  const once = errata(bare, baseUrl, { retry: { times: 0 } })
  const native = byHand(bare, baseUrl)
  for (let i = 0; i < 1500; i++) {
    await okBare(bare, `${baseUrl}/contacts/1`)
    await okBareTimed(bare, `${baseUrl}/contacts/1`)
    await okErrata(full, "/contacts/1")
    await okErrata(untimed, "/contacts/1")
    await limitedRaw(bare, `${baseUrl}/limited`)
    await limitedTyped(once, "/limited")
    await limitedByHand(native, "/limited")
  }
}

const typed = "errata ApiClient, decoded to RateLimitExceeded"
const raw = "bare HttpClient, raw response"
const native = "Effect-native by hand (filterStatusOk + catchReason + Schema)"

for (const [name, bare, baseUrl] of responders) {
  const full = errata(bare, baseUrl)
  const untimed = errata(bare, baseUrl, { timeout: false })
  const once = errata(bare, baseUrl, { retry: { times: 0 } })
  const get = byHand(bare, baseUrl)

  describe(name, () => {
    test(`2xx GET, ${name}: against the bare client (bar 0.97)`, async ({ bench }) => {
      await abba(bench, `2xx GET, ${name}`, "bare HttpClient", () => okBare(bare, `${baseUrl}/contacts/1`), "errata ApiClient", () =>
        okErrata(full, "/contacts/1"))
    })
    test(`2xx GET, ${name}: against the bare client with Effect.timeoutOrElse (reported)`, async ({ bench }) => {
      await abba(
        bench,
        `2xx GET, ${name}, bare with a timeout`,
        "bare HttpClient + Effect.timeoutOrElse",
        () => okBareTimed(bare, `${baseUrl}/contacts/1`),
        "errata ApiClient",
        () => okErrata(full, "/contacts/1")
      )
    })
    test(`2xx GET, ${name}: the timeout's own price (reported)`, async ({ bench }) => {
      await abba(
        bench,
        `2xx GET, ${name}, errata without its timeout`,
        "errata ApiClient, timeout: false",
        () => okErrata(untimed, "/contacts/1"),
        "errata ApiClient",
        () => okErrata(full, "/contacts/1")
      )
    })
    test(`429 GET, ${name}: against the raw response (bar 0.5)`, async ({ bench }) => {
      await abba(bench, `429 GET, ${name}, raw`, raw, () => limitedRaw(bare, `${baseUrl}/limited`), typed, () =>
        limitedTyped(once, "/limited"))
    })
    test(`429 GET, ${name}: against the Effect-native way by hand (bar 1.0)`, async ({ bench }) => {
      await abba(bench, `429 GET, ${name}, by hand`, native, () => limitedByHand(get, "/limited"), typed, () =>
        limitedTyped(once, "/limited"))
    })
  })
}
