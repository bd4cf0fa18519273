/**
 * Hostile input that parses as HTTP and still must not get the better of an errata server, over
 * real sockets: issue messages that never spell out a schema, authorization before the payload is
 * decoded, path IDs of any length, and clients that hang up.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { Cause, Effect, Layer, Logger, Option, Queue, Redacted, References, Schema } from "effect"
import { HttpRouter, HttpServerError, HttpServerResponse } from "effect/http"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware, HttpApiSecurity } from "effect/http-api"
import { ApiError } from "errata"
import * as Net from "node:net"
import { CatalogErrors, Ids } from "errata/api"
import { Input, ServerErrors } from "errata/server"
import { isClientAbort } from "../../src/server/internal/failure.js"
import { at } from "./support/Json.js"
import { BaseUrl, type Received, send, serve } from "./support/Serve.js"

interface Line {
  readonly level: string
  readonly message: unknown
  readonly requestId: unknown
}
const logged: Array<Line> = []
const capture = Logger.make(({ fiber, logLevel, message }) => {
  logged.push({ level: logLevel, message, requestId: fiber.getRef(References.CurrentLogAnnotations)["requestId"] })
})
// Every line, debug included, reaches `logged`.
const Logs = Layer.mergeAll(Logger.layer([capture]), Layer.succeed(References.MinimumLogLevel, "Debug"))

/** Request IDs of the requests that reached a slow handler, so a test hangs up only once it is there. */
const arrivals = Effect.runSync(Queue.unbounded<string>())
const arriveAndWait = Effect.flatMap(ServerErrors.requestId, (id) => Queue.offer(arrivals, Option.getOrElse(id, () => "?"))).pipe(
  Effect.andThen(Effect.never)
)

const post = (body: string, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body
})

const issuesOf = (res: Received): unknown => at(res.json, "error", "details", "issues")

/** Every error is JSON with a request ID. */
const expectWire = (res: Received, status: number, code: string) => {
  expect(res.status).toBe(status)
  expect(res.headers.get("content-type")).toBe("application/json")
  expect(res.headers.get("x-request-id")).toMatch(/^[\w.:-]{1,128}$/)
  expect(at(res.json, "error", "code")).toBe(code)
}

// --- hand-written routes --------------------------------------------------------------------

const Person = Schema.Struct({
  name: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(200)),
  email: Schema.String.check(
    Schema.isMaxLength(320),
    Schema.isPattern(/^[^\s@]+@[^\s.@]+(?:\.[^\s.@]+)+$/, { message: "must be a valid email address" })
  ),
  age: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 150 }))),
  admin: Schema.optionalKey(Schema.Boolean),
  tags: Schema.optionalKey(Schema.Array(Schema.String).check(Schema.isMaxLength(3))),
  address: Schema.optionalKey(Schema.Struct({ zip: Schema.String.check(Schema.isBetweenLength(5, 5)) })),
  role: Schema.optionalKey(Schema.Literals(["owner", "member"])),
  nickname: Schema.optionalKey(Schema.NullOr(Schema.String)),
  // A filter errata knows nothing of, and one that words its own failure.
  code: Schema.optionalKey(Schema.String.check(Schema.makeFilter((s) => s.startsWith("X")))),
  color: Schema.optionalKey(Schema.String.check(Schema.makeFilter((s) => s === s.toLowerCase() || "must be written in lowercase")))
})

const Routes = Layer.mergeAll(
  HttpRouter.add("POST", "/people", Effect.map(Input.body(Person), (p) => HttpServerResponse.jsonUnsafe(p))),
  HttpRouter.add(
    "GET",
    "/people",
    Effect.map(
      Input.query(Schema.Struct({ q: Schema.String, limit: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 100 }))) })),
      (q) => HttpServerResponse.jsonUnsafe(q)
    )
  ),
  HttpRouter.add("GET", "/slow", arriveAndWait),
  HttpRouter.add("GET", "/self-interrupt", Effect.interrupt)
)

layer(serve(Routes).pipe(Layer.provide(Logs)))("issue messages are for people", (it) => {
  const cases: ReadonlyArray<readonly [string, unknown, ReadonlyArray<{ readonly path: ReadonlyArray<unknown>; readonly message: string }>]> = [
    ["missing keys", {}, [{ path: ["name"], message: "is required" }, { path: ["email"], message: "is required" }]],
    [
      "wrong types",
      { name: 1, email: true, age: "3", admin: "yes", tags: "a", address: [], nickname: 5 },
      [
        { path: ["name"], message: "must be a string" },
        { path: ["email"], message: "must be a string" },
        { path: ["age"], message: "must be a number" },
        { path: ["admin"], message: "must be a boolean" },
        { path: ["tags"], message: "must be an array" },
        { path: ["address"], message: "must be an object" },
        { path: ["nickname"], message: "must be a string or null" }
      ]
    ],
    [
      "refinements with known filters",
      { name: "", email: "x".repeat(321), age: 1.5, tags: ["a", "b", "c", "d"], address: { zip: "123" } },
      [
        { path: ["name"], message: "must not be empty" },
        { path: ["email"], message: "must be at most 320 characters" },
        { path: ["age"], message: "must be an integer" },
        { path: ["tags"], message: "must have at most 3 items" },
        { path: ["address", "zip"], message: "must be exactly 5 characters" }
      ]
    ],
    [
      "bounds, literals, a message annotation, a filter's own words, and an unknown filter",
      { name: "x".repeat(201), email: "ada@example", age: 200, role: "admin", code: "Y", color: "Red" },
      [
        { path: ["name"], message: "must be at most 200 characters" },
        { path: ["email"], message: "must be a valid email address" },
        { path: ["age"], message: "must be between 0 and 150" },
        { path: ["role"], message: "must be one of \"owner\", \"member\"" },
        { path: ["code"], message: "is invalid" },
        { path: ["color"], message: "must be written in lowercase" }
      ]
    ]
  ]
  for (const [label, body, issues] of cases) {
    it.effect(`${label}: one short issue per field`, () =>
      Effect.gen(function*() {
        const res = yield* send("/people", post(JSON.stringify(body)))
        expectWire(res, 400, "VALIDATION_ERROR")
        expect(issuesOf(res)).toStrictEqual(issues)
        expect(res.text).not.toMatch(/readonly|Expected|actual|minLength|maxLength|filter|=>|\{ /)
      }))
  }

  it.effect("a body that is not an object at all is one issue at [] that says so", () =>
    Effect.gen(function*() {
      for (const body of ["\"hello\"", "[1,2]", "null", "42", "true"]) {
        const res = yield* send("/people", post(body))
        expectWire(res, 400, "VALIDATION_ERROR")
        expect(res.json).toStrictEqual({
          error: {
            code: "VALIDATION_ERROR",
            message: "Request body failed validation",
            details: { issues: [{ path: [], message: "must be a JSON object" }] }
          }
        })
      }
      expect((yield* send("/people", post(JSON.stringify({ name: "Ada", email: "ada@example.com" })))).status).toBe(200)
    }))

  it.effect("an 80 KB near-miss email is answered at once, its message bounded", () =>
    Effect.gen(function*() {
      const res = yield* send("/people", post(JSON.stringify({ name: "Ada", email: `${"a".repeat(80_000)}@example` })))
      expectWire(res, 400, "VALIDATION_ERROR")
      expect(issuesOf(res)).toStrictEqual([{ path: ["email"], message: "must be at most 320 characters" }])
    }))

  it.effect("query parameters are worded the same way", () =>
    Effect.gen(function*() {
      const res = yield* send("/people?q=a&limit=ten")
      expectWire(res, 400, "INVALID_INPUT")
      expect(issuesOf(res)).toStrictEqual([{ path: ["limit"], message: "must be a number" }])
      const high = yield* send("/people?q=a&limit=500")
      expect(issuesOf(high)).toStrictEqual([{ path: ["limit"], message: "must be between 1 and 100" }])
    }))
})

// --- clients that hang up -------------------------------------------------------------------

/** Sends `GET path`, waits until the handler has it, then closes the socket without reading. */
const hangUp = (path: string, requestId: string) =>
  Effect.flatMap(BaseUrl, (base) =>
    Effect.acquireUseRelease(
      Effect.sync(() => {
        const url = new URL(base)
        const socket = Net.connect(Number(url.port), url.hostname)
        socket.on("error", () => {})
        socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nX-Request-ID: ${requestId}\r\n\r\n`)
        return socket
      }),
      () => Effect.flatMap(Queue.take(arrivals), (arrived) => (arrived === requestId ? Effect.void : Effect.die(new Error(arrived)))),
      (socket) => Effect.sync(() => socket.destroy())
    ))

// Real time, also under `it.effect`'s TestClock: the server logs on its own schedule.
const pause = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 10)))

/** The lines logged for `requestId`, once one has the message `message` (at most 2 s). */
const linesOnceLogged = (requestId: string, message: string) =>
  Effect.gen(function*() {
    for (let i = 0; i < 200; i++) {
      const lines = logged.filter((l) => l.requestId === requestId)
      if (lines.some((l) => JSON.stringify(l.message).includes(message))) return lines
      yield* pause
    }
    return logged.filter((l) => l.requestId === requestId)
  })

const clientGone = "Client closed the connection before the response"

layer(serve(Routes).pipe(Layer.provide(Logs)))("a client that hangs up, HttpRouter", (it) => {
  it.effect("is a debug line, not an error, and the server goes on", () =>
    Effect.gen(function*() {
      for (let i = 0; i < 3; i++) {
        const id = `router-hangup-${i}`
        yield* hangUp("/slow", id)
        const lines = yield* linesOnceLogged(id, clientGone)
        expect(lines.map((l) => [l.level, l.message])).toStrictEqual([["Debug", [clientGone]]])
      }
      expect((yield* send("/people?q=a")).status).toBe(200)
    }))

  it.effect("a handler interrupted while its client is there is still INTERNAL_ERROR, logged as an error", () =>
    Effect.gen(function*() {
      const res = yield* send("/self-interrupt", { headers: { "x-request-id": "self-interrupt" } })
      expectWire(res, 500, "INTERNAL_ERROR")
      const lines = logged.filter((l) => l.requestId === "self-interrupt")
      expect(lines.map((l) => l.level)).toStrictEqual(["Error"])
    }))
})

// --- HttpApi: authorization first, long IDs, hang-ups ---------------------------------------

/** A key that reads: `reader`; one that may write notes: `writer`; anything else is a stranger. */
class Guard extends HttpApiMiddleware.Service<Guard>()("test/Guard", {
  error: CatalogErrors.schemas("UNAUTHORIZED", "INSUFFICIENT_PERMISSIONS"),
  security: { bearer: HttpApiSecurity.bearer }
}) {}

const GuardLive = Layer.succeed(
  Guard,
  Guard.of({
    bearer: (httpEffect, { credential }) => {
      const key = Redacted.value(credential)
      if (key === "writer") return httpEffect
      return key === "reader"
        ? Effect.fail(new ApiError.InsufficientPermissions({ details: { scope: "notes:write" } }))
        : Effect.fail(new ApiError.Unauthorized())
    }
  })
)

const contactId = { contactId: Ids.ContactId }

class Notes extends HttpApiGroup.make("notes").add(
  HttpApiEndpoint.post("add", "/contacts/:contactId/notes", {
    params: contactId,
    payload: Schema.Struct({ text: Schema.String.check(Schema.isMinLength(1)), pinned: Schema.Boolean }),
    success: Schema.Struct({ text: Schema.String })
  }).pipe(CatalogErrors.add("VALIDATION_ERROR", "INVALID_CONTACT_ID"))
).middleware(Guard) {}

class Open extends HttpApiGroup.make("open").add(
  HttpApiEndpoint.get("contact", "/contacts/:contactId", { params: contactId, success: Schema.String }),
  HttpApiEndpoint.get("slow", "/slow", { success: Schema.String })
) {}

class Api extends HttpApi.make("hostile").add(Notes).add(Open).pipe(CatalogErrors.add("INTERNAL_ERROR")) {}

const ApiLive = HttpApiBuilder.layer(Api).pipe(
  Layer.provide([
    HttpApiBuilder.group(Api, "notes", (handlers) => handlers.handle("add", ({ payload }) => Effect.succeed({ text: payload.text }))),
    HttpApiBuilder.group(Api, "open", (handlers) =>
      handlers.handle("contact", ({ params }) => Effect.succeed(params.contactId)).handle("slow", () => arriveAndWait))
  ]),
  Layer.provide(GuardLive)
)

const ID = "550e8400-e29b-41d4-a716-446655440000"

layer(serve(ApiLive).pipe(Layer.provide(Logs)))("HttpApi with ServerErrors.layer()", (it) => {
  describe("authentication and authorization run before the payload is decoded", () => {
    const notes = `/contacts/${ID}/notes`
    it.effect("a key without the scope posting an invalid body: INSUFFICIENT_PERMISSIONS, not the schema", () =>
      Effect.gen(function*() {
        const res = yield* send(notes, post("{\"text\":\"\",\"pinned\":\"maybe\"}", { authorization: "Bearer reader" }))
        expectWire(res, 403, "INSUFFICIENT_PERMISSIONS")
        expect(res.json).toStrictEqual({
          error: { code: "INSUFFICIENT_PERMISSIONS", message: "API key is valid but lacks the needed scope", details: { scope: "notes:write" } }
        })
        // Not a bad path ID either, nor a body that is not JSON, nor one of the wrong type.
        expectWire(yield* send("/contacts/nope/notes", post("{", { authorization: "Bearer reader" })), 403, "INSUFFICIENT_PERMISSIONS")
        expectWire(yield* send(notes, { method: "POST", headers: { "content-type": "text/plain" }, body: "x" }), 401, "UNAUTHORIZED")
        expectWire(yield* send(notes, post("[]")), 401, "UNAUTHORIZED")
      }))

    it.effect("the key with the scope gets the decoding", () =>
      Effect.gen(function*() {
        const res = yield* send(notes, post("{\"text\":\"\",\"pinned\":\"maybe\"}", { authorization: "Bearer writer" }))
        expectWire(res, 400, "VALIDATION_ERROR")
        expect(issuesOf(res)).toStrictEqual([
          { path: ["text"], message: "must not be empty" },
          { path: ["pinned"], message: "must be a boolean" }
        ])
        const ok = yield* send(notes, post("{\"text\":\"hi\",\"pinned\":true}", { authorization: "Bearer writer" }))
        expect(ok.status).toBe(200)
      }))
  })

  describe("path IDs of any length are INVALID_*_ID, out of the box", () => {
    for (const length of [101, 4_000, 8_000]) {
      it.effect(`${length} characters`, () =>
        Effect.gen(function*() {
          const res = yield* send(`/contacts/${"z".repeat(length)}`)
          expectWire(res, 400, "INVALID_CONTACT_ID")
          expect(res.json).toStrictEqual({
            error: { code: "INVALID_CONTACT_ID", message: "Contact ID is not a valid ID", details: { value: "z".repeat(64) } }
          })
          // The same through an endpoint with a guard and a body: the ID is checked after the key.
          const guarded = yield* send(`/contacts/${"z".repeat(length)}/notes`, post("{}", { authorization: "Bearer writer" }))
          expectWire(guarded, 400, "INVALID_CONTACT_ID")
          expect((yield* send(`/contacts/${ID}`)).status).toBe(200)
        }))
    }
  })

  it.effect("a client that hangs up on an endpoint is a debug line, not an error", () =>
    Effect.gen(function*() {
      yield* hangUp("/slow", "api-hangup")
      const lines = yield* linesOnceLogged("api-hangup", clientGone)
      expect(lines.map((l) => [l.level, l.message])).toStrictEqual([["Debug", [clientGone]]])
      expect((yield* send(`/contacts/${ID}`)).status).toBe(200)
    }))
})

// A `maxParamLength` of the user's own, given to `HttpRouter.serve`, is kept.
layer(serve(ApiLive, { routerConfig: { maxParamLength: 100 } }))("HttpApi with a maxParamLength of its own", (it) => {
  it.effect("is what the router uses", () =>
    Effect.gen(function*() {
      expectWire(yield* send(`/contacts/${"z".repeat(100)}`), 400, "INVALID_CONTACT_ID")
      expectWire(yield* send(`/contacts/${"z".repeat(101)}`), 404, "NOT_FOUND")
    }))
})

describe("the hang-up check", () => {
  it("tells the platform's client abort from every other interruption", () => {
    const gone = Cause.annotate(Cause.interrupt(), HttpServerError.ClientAbort.annotation)
    expect(isClientAbort(gone)).toBe(true)
    expect(isClientAbort(Cause.combine(gone, Cause.interrupt(7)))).toBe(true)
    expect(isClientAbort(Cause.interrupt(7))).toBe(false)
    expect(isClientAbort(Cause.combine(gone, Cause.die(new Error("bug"))))).toBe(false)
    expect(isClientAbort(Cause.fail(new ApiError.NotFound()))).toBe(false)
    expect(isClientAbort(Cause.empty)).toBe(false)
  })
})
