import { Headers, HttpMiddleware, HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { describe, expect, it, layer } from "@effect/vitest"
import { ApiError, Catalog, Wire } from "@errata/core"
import { ServerErrors } from "@errata/server"
import { Cause, Effect, FastCheck, Fiber, HashMap, Layer, Logger, LogLevel, Option, Schema } from "effect"
import { rawHeaders, send, sendRaw, serveApp, serveLayer } from "./support/Serve.js"
import { isSafe as isSafeRequestId } from "@errata/dialect/RequestId"

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

const secretError = () =>
  Object.assign(new Error(`database said ${SECRET}`), { field: SECRET, nested: { deeper: SECRET } })

// The raised error is carried in a header (base64url JSON) so that one route serves every code.
const raise = (spec: { readonly code: Catalog.Code; readonly message?: string; readonly details?: unknown }) =>
  Buffer.from(JSON.stringify(spec), "utf8").toString("base64url")

const RaiseSpec = Schema.parseJson(
  Schema.Struct({
    code: Schema.Literal(...Catalog.codes),
    message: Schema.optional(Schema.String),
    details: Schema.optional(Schema.Unknown)
  })
)
const decodeRaise = Schema.decodeUnknownSync(RaiseSpec)

const raised = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
  const payload = decodeRaise(Buffer.from(request.headers["x-raise"] ?? "", "base64url").toString("utf8"))
  return Effect.fail(
    ApiError.make(payload.code, {
      ...(payload.message === undefined ? {} : { message: payload.message }),
      ...(payload.details === undefined ? {} : { details: payload.details })
    })
  )
})

// Leaks: every one of these must be a bare 500 INTERNAL_ERROR.
const leakRoutes = HttpRouter.empty.pipe(
  HttpRouter.get("/leak/die-error", Effect.die(secretError())),
  HttpRouter.get("/leak/die-string", Effect.die(SECRET)),
  HttpRouter.get("/leak/die-class", Effect.die(new SecretClass(SECRET))),
  HttpRouter.get("/leak/fail-tagged", Effect.fail(new SecretData({ token: SECRET }))),
  HttpRouter.get("/leak/fail-object", Effect.fail({ message: SECRET, stack: SECRET, status: 404 })),
  HttpRouter.get(
    "/leak/throw-sync",
    Effect.sync((): HttpServerResponse.HttpServerResponse => {
      throw secretError()
    })
  ),
  HttpRouter.get("/leak/reject", Effect.promise((): Promise<HttpServerResponse.HttpServerResponse> => Promise.reject(secretError()))),
  HttpRouter.get("/leak/parse-error", Effect.flatMap(Schema.decodeUnknown(Schema.Number)(SECRET), () => HttpServerResponse.empty())),
  HttpRouter.get("/leak/no-such-element", Effect.flatMap(Option.none<string>(), () => HttpServerResponse.empty())),
  HttpRouter.get("/leak/interrupt", Effect.interrupt),
  HttpRouter.get(
    "/leak/interrupt-child",
    Effect.gen(function*() {
      const child = yield* Effect.fork(Effect.never)
      yield* Fiber.interrupt(child)
      yield* Fiber.join(child)
      return HttpServerResponse.empty()
    })
  ),
  HttpRouter.get(
    "/leak/failure-and-defect",
    Effect.all([Effect.fail(new ApiError.NotFound()), Effect.die(secretError())], { concurrency: 2 }).pipe(
      Effect.as(HttpServerResponse.empty())
    )
  ),
  HttpRouter.get(
    "/leak/platform-decoder",
    Effect.flatMap(HttpServerRequest.schemaHeaders(Schema.Struct({ "x-secret": Schema.NumberFromString })), () =>
      HttpServerResponse.empty())
  )
)

const app = HttpRouter.empty.pipe(
  HttpRouter.get("/raise", raised),
  HttpRouter.get("/ok", HttpServerResponse.text("fine")),
  HttpRouter.get("/custom", HttpServerResponse.text("accepted", { status: 202, headers: { "x-custom": "1" } })),
  HttpRouter.get(
    "/yield",
    Effect.gen(function*() {
      yield* new ApiError.NotFound({ message: "Contact not found" })
      return HttpServerResponse.empty()
    })
  ),
  HttpRouter.get("/respond", Effect.succeed(ServerErrors.respond(new ApiError.ServiceUnavailable()))),
  HttpRouter.get(
    "/throw-api-error",
    Effect.sync((): HttpServerResponse.HttpServerResponse => {
      throw new ApiError.InvalidContactId({ details: { value: "x" } })
    })
  ),
  HttpRouter.get(
    "/whoami",
    Effect.gen(function*() {
      const annotations = yield* Effect.logAnnotations
      const span = yield* Effect.currentSpan
      const id = yield* ServerErrors.requestId
      return yield* HttpServerResponse.json({
        log: HashMap.get(annotations, LOG_ANNOTATION).pipe(Option.getOrNull),
        span: span.attributes.get(SPAN_ATTRIBUTE) ?? null,
        id: Option.getOrNull(id)
      })
    }).pipe(Effect.orDie)
  ),
  HttpRouter.concat(leakRoutes),
  ServerErrors.middleware
)

const logged: Array<{ level: LogLevel.LogLevel; message: unknown; cause: Cause.Cause<unknown>; requestId: unknown }> = []
const capture = Logger.make(({ annotations, cause, logLevel, message }) => {
  logged.push({
    level: logLevel,
    message,
    cause,
    requestId: HashMap.get(annotations, LOG_ANNOTATION).pipe(Option.getOrUndefined)
  })
})

const expectedBody = (code: Catalog.Code, message: string, details: unknown) => ({
  error: { code, message, ...(details === undefined ? {} : { details }) }
})

layer(serveApp(app.pipe(Effect.provide(Logger.add(capture)))))("ServerErrors.middleware", (it) => {
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

    it.effect("the catalog's message is used when the handler gives none", () =>
      Effect.gen(function*() {
        for (const entry of Catalog.all) {
          const res = yield* send("/raise", { headers: { "x-raise": raise({ code: entry.code }) } })
          const details = entry.code === "RATE_LIMIT_EXCEEDED" ? { retryAfter: 1 } : undefined
          expect(res.json).toStrictEqual(expectedBody(entry.code, entry.message, details))
        }
      }))

    it.effect("a 429 without a wait still says Retry-After: 1 in the header and the body", () =>
      Effect.gen(function*() {
        const res = yield* send("/raise", { headers: { "x-raise": raise({ code: "RATE_LIMIT_EXCEEDED" }) } })
        expect(res.status).toBe(429)
        expect(res.headers.get("retry-after")).toBe("1")
        expect(res.json).toStrictEqual({
          error: { code: "RATE_LIMIT_EXCEEDED", message: "Too many requests", details: { retryAfter: 1 } }
        })
      }))

    it.effect("a fractional wait is rounded up to whole seconds", () =>
      Effect.gen(function*() {
        const res = yield* send("/raise", {
          headers: { "x-raise": raise({ code: "RATE_LIMIT_EXCEEDED", details: { retryAfter: 2.2 } }) }
        })
        expect(res.headers.get("retry-after")).toBe("3")
        expect(res.json).toMatchObject({ error: { details: { retryAfter: 3 } } })
      }))

    it.effect("yield* of an error, respond() and a thrown errata error all give the wire response", () =>
      Effect.gen(function*() {
        const yielded = yield* send("/yield")
        expect(yielded.status).toBe(404)
        expect(yielded.json).toStrictEqual({ error: { code: "NOT_FOUND", message: "Contact not found" } })
        const responded = yield* send("/respond")
        expect(responded.status).toBe(503)
        expect(responded.json).toStrictEqual({ error: { code: "SERVICE_UNAVAILABLE", message: "Temporary outage" } })
        expect(responded.headers.get("x-request-id")).not.toBeNull()
        const thrown = yield* send("/throw-api-error")
        expect(thrown.status).toBe(400)
        expect(thrown.json).toStrictEqual({
          error: { code: "INVALID_CONTACT_ID", message: "Contact ID is not a valid ID", details: { value: "x" } }
        })
      }))
  })

  describe("round trip through Wire.decode", () => {
    const jsonDetails = FastCheck.dictionary(
      FastCheck.string({ maxLength: 8 }).filter((k) => k !== "retryAfter" && k !== "__proto__"),
      FastCheck.jsonValue({ maxDepth: 2 }),
      { maxKeys: 4 }
    )
    const sample = FastCheck.record({
      code: FastCheck.constantFrom(...Catalog.codes),
      message: FastCheck.string({ unit: "binary", maxLength: 40 }),
      details: FastCheck.option(jsonDetails, { nil: undefined }),
      retryAfter: FastCheck.integer({ min: 1, max: 3600 }),
      requestId: FastCheck.stringMatching(/^[\w.:-]{1,128}$/)
    })

    it.effect("every error raised on the server decodes equal to what was raised", () =>
      Effect.gen(function*() {
        for (const s of FastCheck.sample(sample, { numRuns: 150, seed: 42 })) {
          const details = s.code === "RATE_LIMIT_EXCEEDED" ? { ...s.details, retryAfter: s.retryAfter } : s.details
          const res = yield* send("/raise", {
            headers: { "x-raise": raise({ code: s.code, message: s.message, details }), "x-request-id": s.requestId }
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
    const leaks = [
      "/leak/die-error",
      "/leak/die-string",
      "/leak/die-class",
      "/leak/fail-tagged",
      "/leak/fail-object",
      "/leak/throw-sync",
      "/leak/reject",
      "/leak/parse-error",
      "/leak/no-such-element",
      "/leak/interrupt",
      "/leak/interrupt-child",
      "/leak/failure-and-defect",
      "/leak/platform-decoder"
    ]
    for (const path of leaks) {
      it.effect(`${path} is a bare INTERNAL_ERROR, and the cause is logged with the request ID`, () =>
        Effect.gen(function*() {
          logged.length = 0
          const raw = yield* sendRaw(path, [`X-Request-ID: leak-${path.slice(6)}`, `X-Secret: ${SECRET}`])
          expect(raw.startsWith("HTTP/1.1 500 ")).toBe(true)
          expect(raw).not.toContain(SECRET)
          expect(raw).not.toMatch(/at .*\.ts:\d+/)
          const headers = rawHeaders(raw)
          expect(headers.get("content-type")).toBe("application/json")
          expect(headers.get("x-request-id")).toBe(`leak-${path.slice(6)}`)
          expect(JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4))).toStrictEqual({
            error: { code: "INTERNAL_ERROR", message: "Unexpected server error" }
          })
          const entry = logged.find((l) => l.level === LogLevel.Error)
          expect(entry?.requestId).toBe(`leak-${path.slice(6)}`)
          expect(entry !== undefined && !Cause.isEmpty(entry.cause)).toBe(true)
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
          // Either the app replaced it, or Node refused the request before it reached the app.
          if (got !== undefined) expect(isSafeRequestId(got)).toBe(true)
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
        expect(isSafeRequestId(first)).toBe(true)
        const [prefix, counter] = first.split("-")
        expect(second.split("-")[0]).toBe(prefix)
        expect(Number(second.split("-")[1])).toBeGreaterThan(Number(counter))
      }))

    it.effect("the ID is in the log annotations and on the server span for the whole request", () =>
      Effect.gen(function*() {
        const res = yield* send("/whoami", { headers: { "x-request-id": "trace-me" } })
        expect(res.json).toStrictEqual({ log: "trace-me", span: "trace-me", id: "trace-me" })
        const generated = yield* send("/whoami")
        const id = generated.headers.get("x-request-id")
        expect(generated.json).toStrictEqual({ log: id, span: id, id })
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

const accessLog: Array<{ message: unknown; level: LogLevel.LogLevel; requestId: unknown }> = []
const accessCapture = Logger.make(({ annotations, logLevel, message }) => {
  accessLog.push({
    message,
    level: logLevel,
    requestId: HashMap.get(annotations, LOG_ANNOTATION).pipe(Option.getOrUndefined)
  })
})
const logged503 = HttpRouter.empty.pipe(
  HttpRouter.get("/ok", HttpServerResponse.text("ok")),
  HttpRouter.get("/unavailable", Effect.fail(new ApiError.ServiceUnavailable())),
  ServerErrors.middleware
)

layer(
  serveLayer(HttpServer.serve(logged503, HttpMiddleware.logger)).pipe(Layer.provide(Logger.add(accessCapture)))
)("ServerErrors.middleware with HttpMiddleware.logger", (it) => {
  it.effect("the access log written after the app carries the request ID", () =>
    Effect.gen(function*() {
      accessLog.length = 0
      yield* send("/ok", { headers: { "x-request-id": "access-1" } })
      expect(accessLog).toContainEqual({ message: ["Sent HTTP response"], level: LogLevel.Info, requestId: "access-1" })
    }))

  it.effect("a 5xx catalog error raised on purpose is logged at warning level with the request ID", () =>
    Effect.gen(function*() {
      accessLog.length = 0
      const res = yield* send("/unavailable", { headers: { "x-request-id": "warn-1" } })
      expect(res.status).toBe(503)
      expect(accessLog).toContainEqual({ message: ["Answered with SERVICE_UNAVAILABLE"], level: LogLevel.Warning, requestId: "warn-1" })
    }))
})

describe("request IDs in process", () => {
  const ok = ServerErrors.middleware(HttpServerResponse.text("ok"))
  const run = (headers: Record<string, string>) =>
    ok.pipe(
      Effect.provideService(
        HttpServerRequest.HttpServerRequest,
        HttpServerRequest.fromWeb(new Request("http://localhost/")).modify({ headers: Headers.unsafeFromRecord(headers) })
      )
    )

  it.effect("CR/LF, control characters, non-ASCII, empty and over-long values are replaced", () =>
    Effect.gen(function*() {
      const unsafe = ["a\r\nSet-Cookie: x=1", "a\nb", "a\rb", "a\u0000b", "a\u0007b", "a\u007fb", "caf\u00e9", "\u{1F600}", "", " ", "x".repeat(129)]
      for (const value of unsafe) {
        const response = yield* run({ "x-request-id": value })
        const id = response.headers["x-request-id"]
        expect(id).not.toBe(value)
        expect(isSafeRequestId(id)).toBe(true)
      }
    }))

  it.effect("generated IDs are unique across 10,000 requests", () =>
    Effect.gen(function*() {
      const seen = new Set<string>()
      for (let i = 0; i < 10_000; i++) {
        const response = yield* run({})
        const id = response.headers["x-request-id"] ?? ""
        expect(isSafeRequestId(id)).toBe(true)
        seen.add(id)
      }
      expect(seen.size).toBe(10_000)
    }))

  it.effect("a custom generator is used when the request has no safe ID", () =>
    Effect.gen(function*() {
      let n = 0
      const app = ServerErrors.make({ generateRequestId: () => `gen-${++n}` })(HttpServerResponse.text("ok"))
      const response = yield* app.pipe(
        Effect.provideService(HttpServerRequest.HttpServerRequest, HttpServerRequest.fromWeb(new Request("http://localhost/")))
      )
      expect(response.headers["x-request-id"]).toBe("gen-1")
      const unsafe = ServerErrors.make({ generateRequestId: () => "no spaces\r\nallowed" })(HttpServerResponse.text("ok"))
      const replaced = yield* unsafe.pipe(
        Effect.provideService(HttpServerRequest.HttpServerRequest, HttpServerRequest.fromWeb(new Request("http://localhost/")))
      )
      expect(isSafeRequestId(replaced.headers["x-request-id"])).toBe(true)
    }))

  it("respond() writes the wire format without a request ID of its own", () => {
    const response = ServerErrors.respond(new ApiError.RateLimitExceeded({ details: { retryAfter: 30 } }))
    expect(response.status).toBe(429)
    expect(response.headers["retry-after"]).toBe("30")
    expect(response.headers["content-type"]).toBe("application/json")
    expect(response.headers["x-request-id"]).toBeUndefined()
  })
})
