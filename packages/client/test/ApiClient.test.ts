import { HttpBody, HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ApiClient } from "@errata/client"
import { ApiError, Catalog, Wire } from "@errata/core"
import {
  ConfigProvider,
  Duration,
  Effect,
  Fiber,
  HashMap,
  Layer,
  Logger,
  LogLevel,
  Option,
  Redacted,
  Tracer
} from "effect"
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

describe("ApiClient.layer", () => {
  it.scoped("every catalog code arrives as its tagged error, with status, message, details, extras and request ID", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make((request, response) => {
        const code = (request.url ?? "").split("/").pop() ?? ""
        const entry = Catalog.byCode(code)
        if (entry === undefined) return TestServer.send(response, { status: 200, body: "{}" })
        TestServer.send(response, served(ApiError.make(entry.code, {
          message: `message of ${code}`,
          details: detailsFor(entry.code),
          requestId: `req_${code}`
        })))
      })
      // No retries here: this test is about decoding; retrying is covered in Retry.test.ts.
      yield* withClient(server.url, (client) =>
        Effect.forEach(Catalog.all, (entry) =>
          Effect.gen(function*() {
            const error = yield* Effect.flip(client.get(`/errors/${entry.code}`))
            expect(ApiError.isApiError(error)).toBe(true)
            expect(error._tag).toBe(entry.tag)
            if (!ApiError.isApiError(error)) return
            expect(error.code).toBe(entry.code)
            expect(error.status).toBe(entry.status)
            expect(error.category).toBe(entry.category)
            expect(error.transient).toBe(entry.transient)
            expect(error.message).toBe(`message of ${entry.code}`)
            expect(error.details).toEqual(detailsFor(entry.code))
            expect(error.requestId).toBe(`req_${entry.code}`)
            expect(extrasOf(error)).toEqual(expectedExtras(entry.code))
          })), { retry: false })
      expect(server.count()).toBe(Catalog.all.length)
    }))

  it.scoped("a code outside the catalog keeps code, status, message, details and request ID", () =>
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

  it.scoped("sends the base URL, the bearer key (Redacted too) and Accept: application/json", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.always({ status: 200, body: "{}" }))
      yield* withClient(`${server.url}/v1`, (client) => client.get("/contacts?limit=2"), { apiKey: Redacted.make(apiKey) })
      yield* withClient(`${server.url}/v1`, (client) =>
        client.execute(HttpClientRequest.get("/export").pipe(HttpClientRequest.accept("text/csv"))))
      expect(server.received[0]).toMatchObject({
        method: "GET",
        url: "/v1/contacts?limit=2",
        headers: { authorization: `Bearer ${apiKey}`, accept: "application/json" }
      })
      // An Accept the request chose is kept.
      expect(server.received[1]?.headers.accept).toBe("text/csv")
    }))

  it.scoped("2xx responses pass through untouched: status, headers and the whole body are the caller's", () =>
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

  it.scoped("layerConfig reads the base URL and the key (as Redacted) from Config", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.always({ status: 204 }))
      const provider = ConfigProvider.fromMap(new Map([["ERRATA_BASE_URL", server.url], ["ERRATA_API_KEY", "sk_live_cfg"]]))
      const status = yield* Effect.flatMap(ApiClient.ApiClient, (client) => client.del("/contacts/1")).pipe(
        Effect.map((response) => response.status),
        Effect.provide(ApiClient.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))),
        Effect.withConfigProvider(provider)
      )
      expect(status).toBe(204)
      expect(server.received[0]?.headers.authorization).toBe("Bearer sk_live_cfg")
    }))
})

describe("Idempotency-Key", () => {
  it.scoped("POST and PATCH carry one, GET/PUT/DELETE do not, and each logical request gets its own", () =>
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

  it.scoped("a key the caller set is kept, and the switch turns the header off", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.always({ status: 200, body: "{}" }))
      yield* withClient(server.url, (client) =>
        client.execute(HttpClientRequest.post("/contacts").pipe(HttpClientRequest.setHeader("Idempotency-Key", "mine-1"))))
      yield* withClient(server.url, (client) => client.post("/contacts", {}), { retry: { idempotencyKey: false } })
      expect(server.received.map((r) => r.headers["idempotency-key"])).toEqual(["mine-1", undefined])
    }))

  it.scoped("the same key is sent on every retry of a POST", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.sequence([
        served(new ApiError.ServiceUnavailable()),
        served(new ApiError.InternalError()),
        { status: 201, body: "{}" }
      ]))
      const fiber = yield* Effect.fork(withClient(server.url, (client) => client.post("/contacts", {})))
      yield* TestServer.wakeUp
      yield* TestServer.wakeUp
      const response = yield* Fiber.join(fiber)
      expect(response.status).toBe(201)
      const keys = server.received.map((r) => r.headers["idempotency-key"])
      expect(keys).toHaveLength(3)
      expect(typeof keys[0]).toBe("string")
      expect(new Set(keys).size).toBe(1)
    }))

  it.scoped("the combinators alone: retryTransient keys POSTs once per logical request", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.sequence([served(new ApiError.ServiceUnavailable()), { status: 200 }]))
      const fiber = yield* HttpClient.HttpClient.pipe(
        Effect.map((client) => client.pipe(ApiClient.decodeErrors({ timeout: TestServer.attemptTimeout }), ApiClient.retryTransient({ jitter: 0 }))),
        Effect.flatMap((client) => client.post(`${server.url}/messages`)),
        Effect.provide(NodeHttpClient.layerUndici),
        Effect.fork
      )
      expect(yield* TestServer.wakeUp).toBe(1000)
      yield* Fiber.join(fiber)
      const [first, second] = server.received.map((r) => r.headers["idempotency-key"])
      expect(first).toBeDefined()
      expect(second).toBe(first)
    }))
})

interface Recorded {
  readonly name: string
  readonly attributes: ReadonlyMap<string, unknown>
  readonly parent: string | undefined
}

/** A tracer that records every span the native tracer makes, to read names, parents and attributes. */
const recordingTracer = Effect.map(Effect.tracer, (native) => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) => {
      const span = native.span(name, parent, context, links, startTime, kind, options)
      spans.push(span)
      return span
    },
    context: (f, fiber) => native.context(f, fiber)
  })
  const recorded = (): ReadonlyArray<Recorded> =>
    spans.map((span) => ({
      name: span.name,
      attributes: span.attributes,
      parent: Option.match(span.parent, {
        onNone: () => undefined,
        onSome: (p) => (p._tag === "Span" ? p.name : undefined)
      })
    }))
  return { tracer, recorded }
})

describe("observability", () => {
  it.scoped("each retry is logged at debug with code, attempt, delay and request ID; the span and the error keep the last attempt", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make((_request, response, n) =>
        TestServer.send(response, n < 3
          ? served(new ApiError.ServiceUnavailable({ requestId: `req_${n}` }))
          : served(new ApiError.NotFound({ requestId: `req_${n}` }))))
      const logs: Array<{ readonly message: unknown; readonly level: string; readonly annotations: Record<string, unknown> }> = []
      const logger = Logger.make(({ annotations, logLevel, message }) => {
        logs.push({ message, level: logLevel.label, annotations: Object.fromEntries(HashMap.toEntries(annotations)) })
      })
      const { recorded, tracer } = yield* recordingTracer
      const fiber = yield* withClient(server.url, (client) => Effect.flip(client.get("/contacts/1"))).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Logger.withMinimumLogLevel(LogLevel.Debug),
        Effect.withTracer(tracer),
        Effect.fork
      )
      const first = yield* TestServer.wakeUp
      const second = yield* TestServer.wakeUp
      const error = yield* Fiber.join(fiber)

      expect(error._tag).toBe("NotFound")
      expect(error).toMatchObject({ requestId: "req_3" })
      expect(ApiClient.attempts(error)).toBe(3)

      expect(logs.map((l) => [l.level, l.annotations])).toEqual([
        ["DEBUG", expect.objectContaining({ "errata.code": "SERVICE_UNAVAILABLE", "errata.attempt": 1, "errata.delay_ms": first, "http.request_id": "req_1" })],
        ["DEBUG", expect.objectContaining({ "errata.code": "SERVICE_UNAVAILABLE", "errata.attempt": 2, "errata.delay_ms": second, "http.request_id": "req_2" })]
      ])

      const spans = recorded()
      const request = spans.find((s) => s.name === "errata.request GET")
      expect(request).toBeDefined()
      expect(Object.fromEntries(request?.attributes ?? [])).toMatchObject({
        "errata.attempt": 3,
        "errata.code": "NOT_FOUND",
        "http.request_id": "req_3"
      })
      // One `http.client` span per attempt; the retries are children of the request span, and
      // say which attempt they are.
      const attempts = spans.filter((s) => s.name === "http.client GET")
      expect(attempts.map((s) => s.parent)).toEqual([undefined, "errata.request GET", "errata.request GET"])
      expect(attempts.map((s) => s.attributes.get("errata.attempt"))).toEqual([undefined, 2, 3])
    }))

  it.scoped("a request that succeeds at once adds no span; one that succeeds after retries records them", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make((_request, response, n) =>
        TestServer.send(response, n === 2
          ? served(new ApiError.InternalError({ requestId: "req_2" }))
          : { status: 200, headers: { "x-request-id": `req_${n}` }, body: "{}" }))
      const { recorded, tracer } = yield* recordingTracer
      yield* withClient(server.url, (client) => client.get("/contacts")).pipe(Effect.withTracer(tracer))
      expect(recorded().map((s) => s.name)).toEqual(["http.client GET"])
      const fiber = yield* withClient(server.url, (client) => client.get("/contacts")).pipe(Effect.withTracer(tracer), Effect.fork)
      yield* TestServer.wakeUp
      yield* Fiber.join(fiber)
      const span = recorded().find((s) => s.name === "errata.request GET")
      expect(Object.fromEntries(span?.attributes ?? [])).toMatchObject({ "errata.attempt": 2, "http.request_id": "req_3" })
    }))

  it.scoped("attempts means the same with retries off: 1 for an error, a transport failure, a timeout", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.always(served(new ApiError.ServiceUnavailable({ requestId: "req_503" }))))
      const unavailable = yield* Effect.flip(withClient(server.url, (client) => client.get("/contacts"), { retry: false }))
      expect(unavailable).toMatchObject({ _tag: "ServiceUnavailable", requestId: "req_503" })
      expect(ApiClient.attempts(unavailable)).toBe(1)
      const once = yield* Effect.flip(withClient(server.url, (client) => client.get("/contacts"), { retry: { times: 0 } }))
      expect(ApiClient.attempts(once)).toBe(1)
      const refused = yield* Effect.flip(withClient(yield* TestServer.refusedUrl, (client) => client.get("/contacts"), { retry: false }))
      expect(refused._tag).toBe("RequestError")
      expect(ApiClient.attempts(refused)).toBe(1)
      // Anything that is not a failure of a client counts nothing.
      expect(ApiClient.attempts(new Error("boom"))).toBeUndefined()
      expect(ApiClient.attempts("503")).toBeUndefined()
    }))

  it.scoped("a failure that is not retried still reports one attempt", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make(TestServer.always(served(new ApiError.Unauthorized({ requestId: "req_401" }))))
      const failure = yield* Effect.flip(withClient(server.url, (client) => client.get("/me")))
      expect(ApiClient.attempts(failure)).toBe(1)
      expect(failure).toMatchObject({ _tag: "Unauthorized", requestId: "req_401" })
    }))
})
