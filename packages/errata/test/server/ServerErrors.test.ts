/**
 * `ServerErrors` over real sockets: every catalog error in the wire format, round trips through
 * `Wire.decode`, nothing internal in any body, request IDs, the platform's own failures, logs.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { isSafe as isSafeRequestId } from "@errata/dialect/RequestId"
import { Cause, Deferred, Effect, Fiber, Layer, Logger, Option, References, Schema, Tracer } from "effect"
import { Headers, HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { ApiError, Catalog, Wire } from "errata"
import fc from "fast-check"
import { ServerErrors } from "errata/server"
import { rawHeaders, send, sendRaw, serve } from "./support/Serve.js"

/** Where the docs say the request ID is: the log annotation and the span attribute. */
const LOG_ANNOTATION = "requestId"
const SPAN_ATTRIBUTE = "http.request.id"

/** SPEC.md §2, written out here so that a drift of the catalog fails these tests. */
const specStatus: Record<Catalog.Code, number> = {
  UNAUTHORIZED: 401,
  INSUFFICIENT_PERMISSIONS: 403,
  VALIDATION_ERROR: 400,
  INVALID_INPUT: 400,
  MISSING_QUERY: 400,
  NOT_FOUND: 404,
  INVALID_MESSAGE_ID: 400,
  INVALID_CONTACT_ID: 400,
  INVALID_BUSINESS_ID: 400,
  RATE_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_UNAVAILABLE: 503
}

/** Details of the documented shape for each code (SPEC.md §3). */
const sampleDetails: Record<Catalog.Code, Record<string, unknown> | undefined> = {
  UNAUTHORIZED: undefined,
  INSUFFICIENT_PERMISSIONS: { scope: "contacts:write" },
  VALIDATION_ERROR: { issues: [{ path: ["addresses", 0, "zip"], message: "is required" }] },
  INVALID_INPUT: { issues: [{ path: ["limit"], message: "must be at most 100" }] },
  MISSING_QUERY: { parameter: "q" },
  NOT_FOUND: { id: "550e8400-e29b-41d4-a716-446655440000" },
  INVALID_MESSAGE_ID: { value: "abc" },
  INVALID_CONTACT_ID: { value: "abc" },
  INVALID_BUSINESS_ID: { value: "abc" },
  RATE_LIMIT_EXCEEDED: { retryAfter: 30 },
  INTERNAL_ERROR: undefined,
  SERVICE_UNAVAILABLE: undefined
}

const SECRET = "S3CR3T-MARKER-7f1c"

class SecretData extends Schema.TaggedError<SecretData>()("SecretData", { token: Schema.String }) {}
const namedWithSecret = { [`Leak${SECRET.replace(/-/g, "")}Error`]: class extends Error {} }
const SecretClass = Object.values(namedWithSecret)[0] ?? Error

const secretError = () => Object.assign(new Error(`database said ${SECRET}`), { field: SECRET, nested: { deeper: SECRET } })

// The raised error is carried in a header (base64url JSON) so that one route serves every code.
const raise = (spec: { readonly code: Catalog.Code; readonly message?: string; readonly details?: unknown }) =>
  Buffer.from(JSON.stringify(spec), "utf8").toString("base64url")

const RaiseSpec = Schema.fromJsonString(Schema.Struct({
  code: Schema.Literals(Catalog.codes),
  message: Schema.optionalKey(Schema.String),
  details: Schema.optionalKey(Schema.Unknown)
}))
const decodeRaise = Schema.decodeUnknownSync(RaiseSpec)

const raised = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
  const payload = decodeRaise(Buffer.from(request.headers["x-raise"] ?? "", "base64url").toString("utf8"))
  return Effect.fail(ApiError.make(payload.code, payload))
})

type Handler = Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, HttpServerRequest.HttpServerRequest>

const route = (path: `/${string}`, handler: Handler) =>
  HttpRouter.add("GET", path, handler)

// Leaks: every one of these must be a bare 500 INTERNAL_ERROR.
const leaks: ReadonlyArray<readonly [`/${string}`, Handler]> = [
  ["/leak/die-error", Effect.die(secretError())],
  ["/leak/die-string", Effect.die(SECRET)],
  ["/leak/die-class", Effect.die(new SecretClass(SECRET))],
  ["/leak/fail-tagged", Effect.fail(new SecretData({ token: SECRET }))],
  ["/leak/fail-object", Effect.fail({ message: SECRET, stack: SECRET, status: 404 })],
  [
    "/leak/throw-sync",
    Effect.sync((): HttpServerResponse.HttpServerResponse => {
      throw secretError()
    })
  ],
  ["/leak/reject", Effect.promise((): Promise<HttpServerResponse.HttpServerResponse> => Promise.reject(secretError()))],
  ["/leak/schema-error", Effect.as(Schema.decodeUnknownEffect(Schema.Number)(SECRET), HttpServerResponse.empty())],
  ["/leak/no-such-element", Effect.as(Effect.fromOption(Option.none<string>()), HttpServerResponse.empty())],
  ["/leak/interrupt", Effect.interrupt],
  [
    "/leak/interrupt-child",
    Effect.gen(function*() {
      const child = yield* Effect.forkChild(Effect.never)
      yield* Fiber.interrupt(child)
      yield* Fiber.join(child)
      return HttpServerResponse.empty()
    })
  ],
  [
    "/leak/failure-and-defect",
    // An errata error beside a bug: the bug wins.
    Effect.failCause(Cause.combine(Cause.fail(new ApiError.NotFound()), Cause.die(secretError())))
  ],
  [
    "/leak/platform-decoder",
    Effect.as(HttpServerRequest.schemaHeaders(Schema.Struct({ "x-secret": Schema.FiniteFromString })), HttpServerResponse.empty())
  ]
]

const Routes = Layer.mergeAll(
  route("/raise", raised),
  route("/ok", Effect.succeed(HttpServerResponse.text("fine"))),
  route("/custom", Effect.succeed(HttpServerResponse.text("accepted", { status: 202, headers: { "x-custom": "1" } }))),
  route(
    "/yield",
    Effect.gen(function*() {
      yield* new ApiError.NotFound({ message: "Contact not found" })
      return HttpServerResponse.empty()
    })
  ),
  route("/respond", Effect.succeed(ServerErrors.respond(new ApiError.ServiceUnavailable()))),
  route(
    "/throw-api-error",
    Effect.sync((): HttpServerResponse.HttpServerResponse => {
      throw new ApiError.InvalidContactId({ details: { value: "x" } })
    })
  ),
  route(
    "/whoami",
    Effect.gen(function*() {
      const annotations = yield* References.CurrentLogAnnotations
      const span = yield* Effect.option(Effect.currentSpan)
      const id = yield* ServerErrors.requestId
      return HttpServerResponse.jsonUnsafe({
        log: annotations[LOG_ANNOTATION] ?? null,
        span: Option.getOrUndefined(span)?.attributes.get(SPAN_ATTRIBUTE) ?? null,
        id: Option.getOrNull(id)
      })
    })
  ),
  ...leaks.map(([path, handler]) => route(path, handler))
)

interface Line {
  readonly level: string
  readonly message: unknown
  readonly cause: Cause.Cause<unknown>
  readonly requestId: unknown
}

const logged: Array<Line> = []
const capture = Logger.make(({ cause, fiber, logLevel, message }) => {
  logged.push({ level: logLevel, message, cause, requestId: fiber.getRef(References.CurrentLogAnnotations)[LOG_ANNOTATION] })
})
const Logs = Layer.mergeAll(Logger.layer([capture]), Layer.succeed(References.MinimumLogLevel, "Debug"))

const expectedBody = (code: Catalog.Code, message: string, details: unknown) => ({
  error: { code, message, ...(details === undefined ? {} : { details }) }
})

layer(serve(Routes).pipe(Layer.provide(Logs)))("ServerErrors.layer", (it) => {
  describe("catalog errors raised in a handler", () => {
    for (const code of Catalog.codes) {
      it.effect(`${code} is answered exactly as SPEC.md says`, () =>
        Effect.gen(function*() {
          const message = `custom message for ${code}`
          const details = sampleDetails[code]
          const res = yield* send("/raise", {
            headers: { "x-raise": raise({ code, message, details }), "x-request-id": `req-${code}` }
          })
          expect(res.status).toBe(specStatus[code])
          expect(res.headers.get("content-type")).toBe("application/json")
          expect(res.headers.get("x-request-id")).toBe(`req-${code}`)
          expect(res.json).toStrictEqual(expectedBody(code, message, details))
          expect(res.headers.get("retry-after")).toBe(code === "RATE_LIMIT_EXCEEDED" ? "30" : null)
        }))
    }

    it.effect("the catalog's message is used when the handler gives none; a 429 says Retry-After: 1 at least", () =>
      Effect.gen(function*() {
        for (const entry of Catalog.all) {
          const res = yield* send("/raise", { headers: { "x-raise": raise({ code: entry.code }) } })
          const details = entry.code === "RATE_LIMIT_EXCEEDED" ? { retryAfter: 1 } : undefined
          expect(res.json).toStrictEqual(expectedBody(entry.code, entry.message, details))
          if (entry.code === "RATE_LIMIT_EXCEEDED") expect(res.headers.get("retry-after")).toBe("1")
        }
      }))

    it.effect("yield* of an error, respond() and a thrown errata error all give the wire response", () =>
      Effect.gen(function*() {
        const yielded = yield* send("/yield")
        expect(yielded.status).toBe(404)
        expect(yielded.json).toStrictEqual({ error: { code: "NOT_FOUND", message: "Contact not found" } })
        const responded = yield* send("/respond")
        expect(responded.status).toBe(503)
        expect(responded.json).toStrictEqual({ error: { code: "SERVICE_UNAVAILABLE", message: "Temporary outage" } })
        expect(isSafeRequestId(responded.headers.get("x-request-id"))).toBe(true)
        const thrown = yield* send("/throw-api-error")
        expect(thrown.status).toBe(400)
        expect(thrown.json).toStrictEqual({
          error: { code: "INVALID_CONTACT_ID", message: "Contact ID is not a valid ID", details: { value: "x" } }
        })
      }))
  })

  describe("round trip through Wire.decode", () => {
    const jsonDetails = fc.dictionary(
      fc.string({ maxLength: 8 }).filter((k) => k !== "retryAfter" && k !== "__proto__"),
      fc.jsonValue({ maxDepth: 2 }),
      { maxKeys: 4 }
    )
    const sample = fc.record({
      code: fc.constantFrom(...Catalog.codes),
      message: fc.string({ unit: "binary", maxLength: 40 }),
      details: fc.option(jsonDetails, { nil: undefined }),
      retryAfter: fc.integer({ min: 1, max: 3600 }),
      requestId: fc.stringMatching(/^[\w.:-]{1,128}$/)
    })

    it.effect("every error raised on the server decodes equal to what was raised", () =>
      Effect.gen(function*() {
        for (const s of fc.sample(sample, { numRuns: 150, seed: 42 })) {
          const details = s.code === "RATE_LIMIT_EXCEEDED" ? { ...s.details, retryAfter: s.retryAfter } : s.details
          const res = yield* send("/raise", {
            headers: { "x-raise": raise({ code: s.code, message: s.message, ...(details === undefined ? {} : { details }) }), "x-request-id": s.requestId }
          })
          const decoded = Wire.decode({ status: res.status, headers: res.headers, body: res.text })
          const expected = ApiError.make(s.code, {
            message: s.message,
            ...(details === undefined ? {} : { details: JSON.parse(JSON.stringify(details)) }),
            requestId: s.requestId
          })
          expect(decoded._tag).toBe(expected._tag)
          expect(decoded).toStrictEqual(expected)
        }
      }))
  })

  describe("nothing internal leaks", () => {
    for (const [path] of leaks) {
      it.effect(`${path} is a bare INTERNAL_ERROR, and the cause is logged with the request ID`, () =>
        Effect.gen(function*() {
          logged.length = 0
          const id = `leak-${path.slice(6)}`
          const raw = yield* sendRaw(path, [`X-Request-ID: ${id}`, `X-Secret: ${SECRET}`])
          expect(raw.startsWith("HTTP/1.1 500 ")).toBe(true)
          expect(raw).not.toContain(SECRET)
          expect(raw).not.toMatch(/at .*\.ts:\d+/)
          const headers = rawHeaders(raw)
          expect(headers.get("content-type")).toBe("application/json")
          expect(headers.get("x-request-id")).toBe(id)
          expect(JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4))).toStrictEqual({
            error: { code: "INTERNAL_ERROR", message: "Unexpected server error" }
          })
          const entry = logged.find((l) => l.level === "Error")
          expect(entry?.requestId).toBe(id)
          expect(entry !== undefined && entry.cause.reasons.length > 0).toBe(true)
        }))
    }
  })

  describe("X-Request-ID", () => {
    it.effect("a safe incoming ID is echoed, on success and error responses alike", () =>
      Effect.gen(function*() {
        for (const id of ["a", "req_01HX.3:a-b", "550e8400-e29b-41d4-a716-446655440000", "x".repeat(128)]) {
          const ok = yield* send("/ok", { headers: { "x-request-id": id } })
          expect(ok.headers.get("x-request-id")).toBe(id)
          const notFound = yield* send("/nowhere", { headers: { "x-request-id": id } })
          expect(notFound.headers.get("x-request-id")).toBe(id)
        }
      }))

    it.effect("an unsafe incoming ID that reaches the app is replaced, not echoed", () =>
      Effect.gen(function*() {
        for (const id of ["x".repeat(129), "has space", "a,b", "a;b", "<script>", "a\tb"]) {
          const res = yield* send("/ok", { headers: { "x-request-id": id } })
          const got = res.headers.get("x-request-id")
          expect(got).not.toBe(id)
          expect(isSafeRequestId(got)).toBe(true)
        }
        // fetch refuses to send these; written on the socket, they reach the server as bytes.
        for (const line of ["X-Request-ID: caf\u00e9", "X-Request-ID: \u00ff\u00fe", "X-Request-ID: a\u0001b", "X-Request-ID: a\rb"]) {
          const raw = yield* sendRaw("/ok", [line])
          const got = rawHeaders(raw).get("x-request-id")
          // Either the app replaced it, or the parser refused the request (in the dialect, too).
          expect(isSafeRequestId(got)).toBe(true)
          expect(raw).not.toContain(line.slice("X-Request-ID: ".length))
        }
      }))

    it.effect("a handler's own response keeps its status, headers and body, and gains the ID", () =>
      Effect.gen(function*() {
        const res = yield* send("/custom", { headers: { "x-request-id": "mine" } })
        expect(res.status).toBe(202)
        expect(res.text).toBe("accepted")
        expect(res.headers.get("x-custom")).toBe("1")
        expect(res.headers.get("x-request-id")).toBe("mine")
      }))

    it.effect("a request without one gets a generated ID: this process's random prefix, then a counter", () =>
      Effect.gen(function*() {
        const first = (yield* send("/ok")).headers.get("x-request-id") ?? ""
        const second = (yield* send("/ok")).headers.get("x-request-id") ?? ""
        expect(first).toMatch(/^[0-9a-f]{16}-\d+$/)
        const [prefix, counter] = first.split("-")
        expect(second.split("-")[0]).toBe(prefix)
        expect(Number(second.split("-")[1])).toBeGreaterThan(Number(counter))
      }))

    it.effect("the ID is in the log annotations of the request, and ServerErrors.requestId gives it", () =>
      Effect.gen(function*() {
        const res = yield* send("/whoami", { headers: { "x-request-id": "trace-me" } })
        expect(res.json).toMatchObject({ log: "trace-me", id: "trace-me" })
        const generated = yield* send("/whoami")
        const id = generated.headers.get("x-request-id")
        expect(generated.json).toMatchObject({ log: id, id })
      }))
  })

  describe("framework failures", () => {
    it.effect("an unknown route is NOT_FOUND", () =>
      Effect.gen(function*() {
        const res = yield* send("/no/such/route")
        expect(res.status).toBe(404)
        expect(res.json).toStrictEqual({ error: { code: "NOT_FOUND", message: "The resource does not exist" } })
      }))

    it.effect("a method the path does not allow is NOT_FOUND too (the catalog has no 405)", () =>
      Effect.gen(function*() {
        const res = yield* send("/ok", { method: "DELETE" })
        expect(res.status).toBe(404)
        expect(res.json).toStrictEqual({ error: { code: "NOT_FOUND", message: "The resource does not exist" } })
      }))
  })
})

// The access log of `HttpMiddleware.logger` (the one `HttpRouter.serve` installs), and a tracer
// that keeps the server spans, so that the span attribute can be read back.
const spans: Array<Tracer.Span> = []
const Recording = Layer.succeed(Tracer.Tracer, Tracer.make({
  span: (options) => {
    const span = new Tracer.NativeSpan(options)
    spans.push(span)
    return span
  }
}))

const Logged503 = Layer.mergeAll(
  route("/ok", Effect.succeed(HttpServerResponse.text("ok"))),
  route("/unavailable", Effect.fail(new ApiError.ServiceUnavailable())),
  route("/span", Effect.map(Effect.option(Effect.currentSpan), (span) =>
    HttpServerResponse.text(String(Option.getOrUndefined(span)?.attributes.get(SPAN_ATTRIBUTE) ?? "none"))))
)

layer(serve(Logged503, { logger: true }).pipe(Layer.provide([Logs, Recording])))("with HttpMiddleware.logger and a tracer", (it) => {
  it.effect("the access log written after the app carries the request ID", () =>
    Effect.gen(function*() {
      logged.length = 0
      yield* send("/ok", { headers: { "x-request-id": "access-1" } })
      expect(logged.filter((l) => l.requestId === "access-1").map((l) => [l.level, l.message])).toContainEqual([
        "Info",
        ["Sent HTTP response"]
      ])
    }))

  it.effect("the server span carries the ID as http.request.id", () =>
    Effect.gen(function*() {
      const res = yield* send("/span", { headers: { "x-request-id": "span-1" } })
      expect(res.text).toBe("span-1")
      expect(spans.some((span) => span.attributes.get(SPAN_ATTRIBUTE) === "span-1")).toBe(true)
    }))

  it.effect("a 5xx catalog error raised on purpose is logged at warning level with the request ID", () =>
    Effect.gen(function*() {
      logged.length = 0
      const res = yield* send("/unavailable", { headers: { "x-request-id": "warn-1" } })
      expect(res.status).toBe(503)
      expect(logged.filter((l) => l.requestId === "warn-1").map((l) => [l.level, l.message])).toContainEqual([
        "Warn",
        ["Answered with SERVICE_UNAVAILABLE"]
      ])
    }))
})

describe("request IDs in process", () => {
  const ok = ServerErrors.middleware(Effect.succeed(HttpServerResponse.text("ok")))
  const requestWith = (headers: Record<string, string>) =>
    HttpServerRequest.fromWeb(new Request("http://localhost/")).modify({ headers: Headers.fromRecordUnsafe(headers) })
  // Each run in a fiber of its own, as the platform runs each request.
  const run = (app: typeof ok, headers: Record<string, string> = {}) =>
    Effect.provideService(app, HttpServerRequest.HttpServerRequest, requestWith(headers)).pipe(Effect.forkChild, Effect.flatMap(Fiber.join))

  it.effect("CR/LF, control characters, non-ASCII, empty and over-long values are replaced", () =>
    Effect.gen(function*() {
      const unsafe = ["a\r\nSet-Cookie: x=1", "a\nb", "a\rb", "a\u0000b", "a\u0007b", "a\u007fb", "caf\u00e9", "\u{1F600}", "", " ", "x".repeat(129)]
      for (const value of unsafe) {
        const response = yield* run(ok, { "x-request-id": value })
        const id = response.headers["x-request-id"]
        expect(id).not.toBe(value)
        expect(isSafeRequestId(id)).toBe(true)
      }
      const kept = yield* run(ok, { "x-request-id": "x".repeat(128) })
      expect(kept.headers["x-request-id"]).toBe("x".repeat(128))
    }))

  it.effect("generated IDs are unique across 10,000 requests", () =>
    Effect.gen(function*() {
      const seen = new Set<string>()
      for (let i = 0; i < 10_000; i++) {
        const response = yield* run(ok)
        const id = response.headers["x-request-id"] ?? ""
        expect(isSafeRequestId(id)).toBe(true)
        seen.add(id)
      }
      expect(seen.size).toBe(10_000)
    }))

  it.effect("a custom generator is used when the request has no safe ID; an unsafe one falls back", () =>
    Effect.gen(function*() {
      let n = 0
      const custom = ServerErrors.make({ generateRequestId: () => `gen-${++n}` })(Effect.succeed(HttpServerResponse.text("ok")))
      expect((yield* run(custom)).headers["x-request-id"]).toBe("gen-1")
      const unsafe = ServerErrors.make({ generateRequestId: () => "no spaces\r\nallowed" })(Effect.succeed(HttpServerResponse.text("ok")))
      expect(isSafeRequestId((yield* run(unsafe)).headers["x-request-id"])).toBe(true)
    }))

  it.effect("a request the server cuts short (another fiber interrupts it) is SERVICE_UNAVAILABLE, a warning, not a bug", () =>
    Effect.gen(function*() {
      logged.length = 0
      const started = yield* Deferred.make<void>()
      const app = ServerErrors.middleware(Effect.andThen(Deferred.succeed(started, undefined), Effect.never))
      const fiber = yield* Effect.forkChild(
        Effect.provideService(app, HttpServerRequest.HttpServerRequest, requestWith({ "x-request-id": "stopping" })).pipe(
          Effect.provide(Logs)
        )
      )
      yield* Deferred.await(started)
      yield* Fiber.interrupt(fiber)
      const lines = logged.filter((l) => l.requestId === "stopping").map((l) => [l.level, l.message])
      expect(lines).toStrictEqual([["Warn", ["Answered with SERVICE_UNAVAILABLE"]]])
    }))

  it("respond() writes the wire format without a request ID of its own", () => {
    const response = ServerErrors.respond(new ApiError.RateLimitExceeded({ details: { retryAfter: 30 } }))
    expect(response.status).toBe(429)
    expect(response.headers["retry-after"]).toBe("30")
    expect(response.headers["content-type"]).toBe("application/json")
    expect(response.headers["x-request-id"]).toBeUndefined()
  })
})
