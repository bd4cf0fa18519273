import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Fiber, Layer, Redacted } from "effect"
import { HttpBody, HttpClient, HttpClientRequest } from "effect/http"
import { ApiError, Catalog, Wire } from "errata"
import { ApiClient } from "errata/client"
import { capturingLogs, recordingTracer } from "./Observe.js"
import * as TestServer from "./TestServer.js"

const apiKey = "sk_test_4f9c2a"

const layerFor = (baseUrl: string, options: Partial<ApiClient.Options> = {}) =>
  ApiClient.layer({ baseUrl, apiKey, timeout: TestServer.attemptTimeout, ...options }).pipe(Layer.provide(NodeHttpClient.layerUndici))

const withClient = <A, E, R>(
  baseUrl: string,
  f: (client: ApiClient.Client) => Effect.Effect<A, E, R>,
  options: Partial<ApiClient.Options> = {}
) => Effect.flatMap(ApiClient.ApiClient, f).pipe(Effect.provide(layerFor(baseUrl, options)))

/** What a server using errata sends for an error: `Wire.encode`, and the request ID header. */
const served = (error: ApiError.ApiError | ApiError.UnknownApiError): TestServer.Served => {
  const encoded = Wire.encode(error)
  return { status: encoded.status, headers: encoded.headers, body: JSON.stringify(encoded.body) }
}

/** Details with the typed extras of each code, so each class's getters are exercised. */
const detailsFor = (code: Catalog.Code): Record<string, unknown> => {
  switch (code) {
    case "VALIDATION_ERROR":
      return { issues: [{ path: ["email"], message: "is required" }, { path: ["addresses", 0, "zip"], message: "too short" }] }
    case "INVALID_INPUT":
      return { issues: [{ path: ["limit"], message: "must be at most 100" }] }
    case "MISSING_QUERY":
      return { parameter: "q" }
    case "INSUFFICIENT_PERMISSIONS":
      return { scope: "contacts:write" }
    case "INVALID_MESSAGE_ID":
    case "INVALID_CONTACT_ID":
    case "INVALID_BUSINESS_ID":
      return { value: "not-a-uuid" }
    case "RATE_LIMIT_EXCEEDED":
      return { retryAfter: 30 }
    default:
      return { hint: `details of ${code}` }
  }
}

const extrasOf = (error: ApiError.Any): unknown => {
  switch (error._tag) {
    case "ValidationError":
    case "InvalidInput":
      return error.issues
    case "MissingQuery":
      return error.parameter
    case "InsufficientPermissions":
      return error.scope
    case "InvalidMessageId":
    case "InvalidContactId":
    case "InvalidBusinessId":
      return error.value
    case "RateLimitExceeded":
      return error.retryAfter === undefined ? undefined : Duration.toSeconds(error.retryAfter)
    default:
      return undefined
  }
}

const expectedExtras = (code: Catalog.Code): unknown => {
  const details = detailsFor(code)
  switch (code) {
    case "VALIDATION_ERROR":
    case "INVALID_INPUT":
      return details["issues"]
    case "MISSING_QUERY":
      return details["parameter"]
    case "INSUFFICIENT_PERMISSIONS":
      return details["scope"]
    case "INVALID_MESSAGE_ID":
    case "INVALID_CONTACT_ID":
    case "INVALID_BUSINESS_ID":
      return details["value"]
    case "RATE_LIMIT_EXCEEDED":
      return 30
    default:
      return undefined
  }
}

/** `/enveloped/<CODE>` answers the documented `{ error: { … } }`; `/bare/<CODE>` the same fields at the top level. */
const catalogServer = TestServer.make((request, response) => {
  const [, form, code] = (request.url ?? "").split("/")
  const entry = Catalog.byCode(code ?? "")
  if (entry === undefined) return TestServer.send(response, { status: 200, body: "{}" })
  const encoded = Wire.encode(ApiError.make(entry.code, {
    message: `message of ${entry.code}`,
    details: detailsFor(entry.code),
    requestId: `req_${form}_${entry.code}`
  }))
  const body = form === "bare" ? encoded.body.error : encoded.body
  TestServer.send(response, { status: encoded.status, headers: encoded.headers, body: JSON.stringify(body) })
})

describe("ApiClient.layer", () => {
  for (const form of ["enveloped", "bare"] as const) {
    it.effect(`every catalog code (${form}) arrives as its tagged error, with status, message, details, extras and request ID`, () =>
      Effect.gen(function*() {
        const server = yield* catalogServer
        // No retries here: this test is about decoding; retrying is covered in Retry.test.ts.
        yield* withClient(server.url, (client) =>
          Effect.forEach(Catalog.all, (entry) =>
            Effect.gen(function*() {
              const error = yield* Effect.flip(client.get(`/${form}/${entry.code}`))
              expect(ApiError.isApiError(error)).toBe(true)
              expect(error._tag).toBe(entry.tag)
              if (!ApiError.isApiError(error)) return
              expect(error.code).toBe(entry.code)
              expect(error.status).toBe(entry.status)
              expect(error.category).toBe(entry.category)
              expect(error.transient).toBe(entry.transient)
              expect(error.message).toBe(`message of ${entry.code}`)
              expect(error.details).toEqual(detailsFor(entry.code))
              expect(error.requestId).toBe(`req_${form}_${entry.code}`)
              expect(extrasOf(error)).toEqual(expectedExtras(entry.code))
              expect(ApiClient.attempts(error)).toBe(1)
            })), { retry: false })
        expect(server.count()).toBe(Catalog.all.length)
      }))
  }

  it.effect("a code outside the catalog keeps code, status, message, details and request ID", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.always({
        status: 429,
        headers: { "content-type": "application/json", "x-request-id": "req_drift" },
        body: JSON.stringify({ code: "RATE_LIMITED", message: "slow down", details: { bucket: "burst" } })
      }))
      const error = yield* withClient(server.url, (client) => Effect.flip(client.get("/contacts")), { retry: false })
      expect(error).toBeInstanceOf(ApiError.UnknownApiError)
      expect(error).toMatchObject({ code: "RATE_LIMITED", status: 429, message: "slow down", details: { bucket: "burst" }, requestId: "req_drift" })
    }))

  it.effect("sends the base URL, the bearer key (Redacted too), Accept: application/json and Accept-Encoding: identity", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.always({ status: 200, body: "{}" }))
      yield* withClient(`${server.url}/v1`, (client) => client.get("/contacts?limit=2"), { apiKey: Redacted.make(apiKey) })
      yield* withClient(`${server.url}/v1`, (client) =>
        client.execute(HttpClientRequest.get("/export").pipe(HttpClientRequest.accept("text/csv"))))
      expect(server.received[0]).toMatchObject({
        method: "GET",
        url: "/v1/contacts?limit=2",
        headers: { authorization: `Bearer ${apiKey}`, accept: "application/json", "accept-encoding": "identity" }
      })
      // An Accept the request chose is kept.
      expect(server.received[1]?.headers.accept).toBe("text/csv")
    }))

  it.effect("2xx responses pass through untouched: status, headers and the whole body are the caller's", () =>
    Effect.gen(function*() {
      const body = JSON.stringify({ data: { id: "c_1" }, meta: {} })
      const server = yield* TestServer.make(TestServer.always({
        status: 201,
        headers: { "content-type": "application/json", "x-request-id": "req_ok" },
        body
      }))
      const [status, requestId, text] = yield* withClient(server.url, (client) =>
        client.post("/contacts", { body: HttpBody.text("{}") }).pipe(
          Effect.flatMap((response) =>
            Effect.map(response.text, (text) => [response.status, response.headers["x-request-id"], text] as const)
          )
        ))
      expect({ status, requestId, text }).toEqual({ status: 201, requestId: "req_ok", text: body })
    }))

  it.effect("layerConfig reads the base URL and the key (as Redacted) from Config", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.always({ status: 204 }))
      const provider = ConfigProvider.fromUnknown({ ERRATA_BASE_URL: server.url, ERRATA_API_KEY: "sk_live_cfg" })
      const status = yield* Effect.flatMap(ApiClient.ApiClient, (client) => client.del("/contacts/1")).pipe(
        Effect.map((response) => response.status),
        Effect.provide(ApiClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))),
        Effect.provideService(ConfigProvider.ConfigProvider, provider)
      )
      expect(status).toBe(204)
      expect(server.received[0]?.headers.authorization).toBe("Bearer sk_live_cfg")
    }))
})

describe("Idempotency-Key", () => {
  it.effect("POST and PATCH carry one, GET/PUT/DELETE do not, and each logical request gets its own", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.always({ status: 200, body: "{}" }))
      yield* withClient(server.url, (client) =>
        Effect.all([
          client.post("/contacts", {}),
          client.post("/contacts", {}),
          client.patch("/contacts/1", {}),
          client.get("/contacts/1"),
          client.put("/contacts/1", {}),
          client.del("/contacts/1")
        ]))
      const keys = server.received.map((r) => r.headers["idempotency-key"])
      const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
      expect(keys.slice(0, 3).every((k) => typeof k === "string" && uuid.test(k))).toBe(true)
      expect(new Set(keys.slice(0, 3)).size).toBe(3)
      expect(keys.slice(3)).toEqual([undefined, undefined, undefined])
    }))

  it.effect("a key the caller set is kept, and the switch turns the header off", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.always({ status: 200, body: "{}" }))
      yield* withClient(server.url, (client) =>
        client.execute(HttpClientRequest.post("/contacts").pipe(HttpClientRequest.setHeader("Idempotency-Key", "mine-1"))))
      yield* withClient(server.url, (client) => client.post("/contacts", {}), { retry: { idempotencyKey: false } })
      yield* withClient(server.url, (client) => client.post("/contacts", {}), { retry: false })
      expect(server.received.map((r) => r.headers["idempotency-key"])).toEqual(["mine-1", undefined, undefined])
    }))

  it.effect("the same key is sent on every retry of a POST", () =>
    TestServer.spied(Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.sequence([
        served(new ApiError.ServiceUnavailable()),
        served(new ApiError.InternalError()),
        { status: 201, body: "{}" }
      ]))
      const fiber = yield* Effect.forkChild(withClient(server.url, (client) => client.post("/contacts", {})))
      yield* TestServer.wakeUp
      yield* TestServer.wakeUp
      const response = yield* Fiber.join(fiber)
      expect(response.status).toBe(201)
      const keys = server.received.map((r) => r.headers["idempotency-key"])
      expect(keys).toHaveLength(3)
      expect(typeof keys[0]).toBe("string")
      expect(new Set(keys).size).toBe(1)
    })))

  it.effect("the combinators alone: retryTransient keys POSTs once per logical request", () =>
    TestServer.spied(Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.sequence([served(new ApiError.ServiceUnavailable()), { status: 200 }]))
      const fiber = yield* HttpClient.HttpClient.pipe(
        Effect.map((client) =>
          client.pipe(ApiClient.decodeErrors({ timeout: TestServer.attemptTimeout }), ApiClient.retryTransient({ jitter: 0 }))
        ),
        Effect.flatMap((client) => client.post(`${server.url}/messages`)),
        Effect.provide(NodeHttpClient.layerUndici),
        Effect.forkChild
      )
      expect(yield* TestServer.wakeUp).toBe(1000)
      yield* Fiber.join(fiber)
      const [first, second] = server.received.map((r) => r.headers["idempotency-key"])
      expect(first).toBeDefined()
      expect(second).toBe(first)
    })))
})

describe("observability", () => {
  it.effect("each retry is logged at debug with code, attempt, delay and request ID; the span and the error keep the last attempt", () =>
    TestServer.spied(Effect.gen(function*() {
      const server = yield* TestServer.make((_request, response, n) =>
        TestServer.send(
          response,
          n < 3
            ? served(new ApiError.ServiceUnavailable({ requestId: `req_${n}` }))
            : served(new ApiError.NotFound({ requestId: `req_${n}` }))
        )
      )
      const { layer, logs } = yield* capturingLogs
      const { recorded, tracer } = yield* recordingTracer
      const fiber = yield* withClient(server.url, (client) => Effect.flip(client.get("/contacts/1"))).pipe(
        Effect.provide(layer),
        Effect.withTracer(tracer),
        Effect.forkChild
      )
      const first = yield* TestServer.wakeUp
      const second = yield* TestServer.wakeUp
      const error = yield* Fiber.join(fiber)

      expect(error._tag).toBe("NotFound")
      expect(error).toMatchObject({ requestId: "req_3" })
      expect(ApiClient.attempts(error)).toBe(3)

      const retries = logs.filter((l) => l.annotations["errata.code"] !== undefined)
      expect(retries.map((l) => [l.level, l.annotations])).toEqual([
        ["Debug", expect.objectContaining({
          "errata.code": "SERVICE_UNAVAILABLE",
          "errata.attempt": 1,
          "errata.delay_ms": first,
          "http.request_id": "req_1",
          "http.request.method": "GET",
          "url.full": `${server.url}/contacts/1`
        })],
        ["Debug", expect.objectContaining({ "errata.code": "SERVICE_UNAVAILABLE", "errata.attempt": 2, "errata.delay_ms": second, "http.request_id": "req_2" })]
      ])

      const spans = recorded()
      const request = spans.find((s) => s.name === "errata.request GET")
      expect(request).toBeDefined()
      expect(Object.fromEntries(request?.attributes ?? [])).toMatchObject({
        "errata.attempt": 3,
        "errata.code": "NOT_FOUND",
        "http.request_id": "req_3"
      })
      // One client span per attempt (Effect 4 names them after the method); the retries are
      // children of the request span, and say which attempt they are.
      const attempts = spans.filter((s) => s.name === "GET")
      expect(attempts.map((s) => s.parent)).toEqual([undefined, "errata.request GET", "errata.request GET"])
      expect(attempts.map((s) => s.attributes.get("errata.attempt"))).toEqual([undefined, 2, 3])
    })))

  it.effect("a request that succeeds at once adds no span; one that succeeds after retries records them", () =>
    TestServer.spied(Effect.gen(function*() {
      const server = yield* TestServer.make((_request, response, n) =>
        TestServer.send(
          response,
          n === 2
            ? served(new ApiError.InternalError({ requestId: "req_2" }))
            : { status: 200, headers: { "x-request-id": `req_${n}` }, body: "{}" }
        )
      )
      const { recorded, tracer } = yield* recordingTracer
      yield* withClient(server.url, (client) => client.get("/contacts")).pipe(Effect.withTracer(tracer))
      expect(recorded().map((s) => s.name)).toEqual(["GET"])
      const fiber = yield* withClient(server.url, (client) => client.get("/contacts")).pipe(Effect.withTracer(tracer), Effect.forkChild)
      yield* TestServer.wakeUp
      yield* Fiber.join(fiber)
      const span = recorded().find((s) => s.name === "errata.request GET")
      expect(Object.fromEntries(span?.attributes ?? [])).toMatchObject({ "errata.attempt": 2, "http.request_id": "req_3" })
    })))

  it.effect("attempts means the same with retries off: 1 for an error, a transport failure, a timeout", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.always(served(new ApiError.ServiceUnavailable({ requestId: "req_503" }))))
      const unavailable = yield* Effect.flip(withClient(server.url, (client) => client.get("/contacts"), { retry: false }))
      expect(unavailable).toMatchObject({ _tag: "ServiceUnavailable", requestId: "req_503" })
      expect(ApiClient.attempts(unavailable)).toBe(1)
      const once = yield* Effect.flip(withClient(server.url, (client) => client.get("/contacts"), { retry: { times: 0 } }))
      expect(ApiClient.attempts(once)).toBe(1)
      const refused = yield* Effect.flip(withClient(yield* TestServer.refusedUrl, (client) => client.get("/contacts"), { retry: false }))
      expect(refused._tag).toBe("HttpClientError")
      expect(ApiClient.attempts(refused)).toBe(1)
      // Anything that is not a failure of a client counts nothing.
      expect(ApiClient.attempts(new Error("boom"))).toBeUndefined()
      expect(ApiClient.attempts("503")).toBeUndefined()
    }))

  it.effect("a failure that is not retried still reports one attempt", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.always(served(new ApiError.Unauthorized({ requestId: "req_401" }))))
      const failure = yield* Effect.flip(withClient(server.url, (client) => client.get("/me")))
      expect(ApiClient.attempts(failure)).toBe(1)
      expect(failure).toMatchObject({ _tag: "Unauthorized", requestId: "req_401" })
    }))
})
