/**
 * `Input` in hand-written routes, over real sockets, and in process.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { ApiError } from "errata"
import { Ids } from "errata/api"
import { Input } from "errata/server"
import { at, notJsonResponse } from "./support/Json.js"
import { send, serve } from "./support/Serve.js"

const NewContact = Schema.Struct({
  email: Schema.String.check(Schema.isPattern(/@/)),
  addresses: Schema.Array(Schema.Struct({ zip: Schema.String.check(Schema.isMinLength(5)) }))
})
const ListQuery = Schema.Struct({
  q: Schema.String,
  limit: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 100 }))),
  tag: Schema.optionalKey(Schema.Array(Schema.String))
})

const echo = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.map(effect, (value) => HttpServerResponse.jsonUnsafe(value))

const Routes = Layer.mergeAll(
  HttpRouter.add("POST", "/contacts", echo(Input.body(NewContact))),
  HttpRouter.add("GET", "/contacts", echo(Input.query(ListQuery))),
  HttpRouter.add("GET", "/contacts/:contactId", echo(Input.path(Schema.Struct({ contactId: Ids.ContactId })))),
  HttpRouter.add("GET", "/messages/:messageId", echo(Input.path(Schema.Struct({ messageId: Ids.MessageId })))),
  HttpRouter.add("GET", "/businesses/:businessId", echo(Input.path(Schema.Struct({ businessId: Ids.BusinessId })))),
  HttpRouter.add("GET", "/pages/:n", echo(Input.path(Schema.Struct({ n: Schema.Int }))))
)

const ID = "550e8400-e29b-41d4-a716-446655440000"
const post = (body: string): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body })

layer(serve(Routes))("Input in hand-written routes", (it) => {
  describe("body", () => {
    it.effect("invalid JSON is VALIDATION_ERROR about the whole body", () =>
      Effect.gen(function*() {
        const res = yield* send("/contacts", post("{nope"))
        expect(res.status).toBe(400)
        expect(res.json).toStrictEqual(notJsonResponse)
      }))

    it.effect("a mismatch lists every failing field with its path", () =>
      Effect.gen(function*() {
        const res = yield* send("/contacts", post(JSON.stringify({ email: "x", addresses: [{ zip: "1" }] })))
        expect(res.status).toBe(400)
        expect(res.json).toStrictEqual({
          error: {
            code: "VALIDATION_ERROR",
            message: "Request body failed validation",
            details: {
              issues: [
                { path: ["email"], message: "is not in the expected format" },
                { path: ["addresses", 0, "zip"], message: "must be at least 5 characters" }
              ]
            }
          }
        })
      }))

    it.effect("a huge invalid array gives a bounded list of issues with bounded messages", () =>
      Effect.gen(function*() {
        const addresses = Array.from({ length: 500 }, () => ({ zip: "1234" }))
        const res = yield* send("/contacts", post(JSON.stringify({ email: "y".repeat(5000), addresses })))
        const issues = at(res.json, "error", "details", "issues")
        expect(Array.isArray(issues) && issues.length).toBe(50)
        for (const issue of Array.isArray(issues) ? issues : []) {
          expect(String(at(issue, "message")).length).toBeLessThanOrEqual(256)
        }
      }))

    it.effect("a valid body is decoded", () =>
      Effect.gen(function*() {
        const body = { email: "a@b", addresses: [{ zip: "10115" }] }
        const res = yield* send("/contacts", post(JSON.stringify(body)))
        expect(res.status).toBe(200)
        expect(res.json).toStrictEqual(body)
      }))
  })

  describe("query", () => {
    it.effect("a missing parameter is MISSING_QUERY with details.parameter", () =>
      Effect.gen(function*() {
        const res = yield* send("/contacts?limit=3")
        expect(res.json).toStrictEqual({
          error: { code: "MISSING_QUERY", message: "Query parameter \"q\" is required", details: { parameter: "q" } }
        })
      }))

    it.effect("a bad value is INVALID_INPUT rooted at the parameter", () =>
      Effect.gen(function*() {
        const res = yield* send("/contacts?q=a&limit=0")
        expect(res.status).toBe(400)
        expect(res.json).toStrictEqual({
          error: {
            code: "INVALID_INPUT",
            message: "Query parameters or other input invalid",
            details: { issues: [{ path: ["limit"], message: "must be between 1 and 100" }] }
          }
        })
      }))

    it.effect("a number is read from its string, and a single value for an array parameter is one item, as HttpApi does", () =>
      Effect.gen(function*() {
        expect((yield* send("/contacts?q=a&tag=vip&limit=7")).json).toStrictEqual({ q: "a", tag: ["vip"], limit: 7 })
      }))
  })

  describe("path", () => {
    const cases = [
      ["/contacts/nope", "INVALID_CONTACT_ID", "Contact ID is not a valid ID"],
      ["/messages/nope", "INVALID_MESSAGE_ID", "Message ID is not a valid ID"],
      ["/businesses/nope", "INVALID_BUSINESS_ID", "Business ID is not a valid ID"]
    ] as const
    for (const [path, code, message] of cases) {
      it.effect(`${path} → ${code}`, () =>
        Effect.gen(function*() {
          const res = yield* send(path)
          expect(res.status).toBe(400)
          expect(res.json).toStrictEqual({ error: { code, message, details: { value: "nope" } } })
        }))
    }

    it.effect("a valid ID is decoded; another path parameter fails with INVALID_INPUT", () =>
      Effect.gen(function*() {
        expect((yield* send(`/contacts/${ID}`)).json).toStrictEqual({ contactId: ID })
        expect((yield* send("/pages/two")).json).toStrictEqual({
          error: {
            code: "INVALID_INPUT",
            message: "Query parameters or other input invalid",
            details: { issues: [{ path: ["n"], message: "must be a number" }] }
          }
        })
      }))
  })
})

describe("Input.body in process", () => {
  it.effect("a body that cannot be read (a broken stream) is VALIDATION_ERROR; without the middleware, the default limits hold", () =>
    Effect.gen(function*() {
      // Node's Request wants `duplex` for a stream body; the DOM typings do not know it yet.
      const init = {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: new ReadableStream({ start: (controller) => controller.error(new Error("connection reset")) }),
        duplex: "half"
      }
      const broken = new Request("http://localhost/contacts", init)
      const error = yield* Effect.flip(
        Input.body(Schema.Unknown).pipe(Effect.provideService(HttpServerRequest.HttpServerRequest, HttpServerRequest.fromWeb(broken)))
      )
      expect(error).toStrictEqual(
        new ApiError.ValidationError({
          message: "Request body could not be read",
          details: { issues: [{ path: [], message: "The body could not be read" }] }
        })
      )
      const deep = new Request("http://localhost/contacts", { method: "POST", headers: { "content-type": "application/json" }, body: "[".repeat(65) + "]".repeat(65) })
      const tooDeep = yield* Effect.flip(
        Input.body(Schema.Unknown).pipe(Effect.provideService(HttpServerRequest.HttpServerRequest, HttpServerRequest.fromWeb(deep)))
      )
      expect(tooDeep.message).toBe("Request body is nested too deeply (limit 64 levels)")
    }))
})
