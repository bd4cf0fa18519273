/**
 * `HttpApi` endpoints behind `ServerErrors.layer()`, over real sockets: declared errors in the
 * wire format, each `HttpApiSchemaError` kind mapped into the catalog, the platform's failures,
 * and the builder alone writing declared errata errors.
 */
import { describe, expect, layer } from "@effect/vitest"
import { isSafe as isSafeRequestId } from "@errata/dialect/RequestId"
import { Context, Effect, Layer, Schema } from "effect"
import { HttpRouter } from "effect/http"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiError, HttpApiGroup, HttpApiSchema } from "effect/http-api"
import { ApiError, Wire } from "errata"
import { CatalogErrors, Ids } from "errata/api"
import { ServerErrors } from "errata/server"
import { at, notJsonResponse } from "./support/Json.js"
import { send, serve, servePlain } from "./support/Serve.js"

const Address = Schema.Struct({ zip: Schema.String.check(Schema.isMinLength(5)), city: Schema.String })
const NewContact = Schema.Struct({
  email: Schema.String.check(Schema.isIncluding("@")),
  name: Schema.String,
  addresses: Schema.Array(Address)
})
const Contact = Schema.Struct({ id: Schema.String, name: Schema.String })

const MISSING = "00000000-0000-4000-8000-000000000000"
const ID = "550e8400-e29b-41d4-a716-446655440000"

class Contacts extends HttpApiGroup.make("contacts").add(
  HttpApiEndpoint.get("get", "/contacts/:contactId", { params: { contactId: Ids.ContactId }, success: Contact }).pipe(
    CatalogErrors.add("NOT_FOUND", "INVALID_CONTACT_ID")
  ),
  HttpApiEndpoint.get("list", "/contacts", {
    query: {
      q: Schema.String,
      limit: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 100 }))),
      tag: Schema.optionalKey(Schema.Array(Schema.String))
    },
    success: Schema.Array(Contact)
  }).pipe(CatalogErrors.add("INVALID_INPUT", "MISSING_QUERY")),
  HttpApiEndpoint.get("search", "/contacts/search", { query: { q: Schema.String }, success: Schema.Array(Contact) }),
  HttpApiEndpoint.post("create", "/contacts", { payload: NewContact, success: Contact.pipe(HttpApiSchema.status(201)) }).pipe(
    CatalogErrors.add("VALIDATION_ERROR")
  ),
  HttpApiEndpoint.patch("update", "/contacts/:contactId", {
    params: { contactId: Ids.ContactId },
    payload: Schema.Struct({ name: Schema.String }),
    query: { notify: Schema.optionalKey(Schema.Boolean) },
    headers: { "if-match": Schema.optionalKey(Schema.Int) },
    success: Contact
  }).pipe(CatalogErrors.add("VALIDATION_ERROR", "INVALID_INPUT", "INVALID_CONTACT_ID")),
  HttpApiEndpoint.get("boom", "/boom", { success: Contact }),
  HttpApiEndpoint.get("slow", "/unavailable", { success: Contact })
) {}

class Messages extends HttpApiGroup.make("messages").add(
  HttpApiEndpoint.get("get", "/messages/:messageId", { params: { messageId: Ids.MessageId }, success: Schema.String })
).pipe(CatalogErrors.add("NOT_FOUND", "INVALID_MESSAGE_ID")) {}

class Businesses extends HttpApiGroup.make("businesses").add(
  HttpApiEndpoint.get("get", "/businesses/:businessId", { params: { businessId: Ids.BusinessId }, success: Schema.String }),
  HttpApiEndpoint.get("contact", "/businesses/:businessId/contacts/:contactId", {
    params: { businessId: Ids.BusinessId, contactId: Ids.ContactId },
    success: Schema.String
  })
).pipe(CatalogErrors.add("NOT_FOUND", "INVALID_BUSINESS_ID", "INVALID_CONTACT_ID")) {}

export class Api extends HttpApi.make("errata-test")
  .add(Contacts)
  .add(Messages)
  .add(Businesses)
  .pipe(CatalogErrors.add("UNAUTHORIZED", "RATE_LIMIT_EXCEEDED", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE"))
{}

const ContactsLive = HttpApiBuilder.group(Api, "contacts", (handlers) =>
  handlers
    .handle("get", ({ params }) =>
      params.contactId === MISSING
        ? Effect.fail(new ApiError.NotFound({ message: "Contact not found", details: { id: params.contactId } }))
        : Effect.succeed({ id: params.contactId, name: "Ada" }))
    .handle("list", ({ query }) => Effect.succeed(query.tag === undefined ? [] : query.tag.map((tag) => ({ id: tag, name: query.q }))))
    .handle("search", () => Effect.succeed([]))
    .handle("create", ({ payload }) => Effect.succeed({ id: ID, name: payload.name }))
    .handle("update", ({ params, payload }) => Effect.succeed({ id: params.contactId, name: payload.name }))
    .handle("boom", () => Effect.die(new Error("the database password is hunter2")))
    .handle("slow", () => Effect.fail(new ApiError.ServiceUnavailable({ message: "Back soon" }))))

const MessagesLive = HttpApiBuilder.group(Api, "messages", (handlers) => handlers.handle("get", ({ params }) => Effect.succeed(params.messageId)))

const BusinessesLive = HttpApiBuilder.group(Api, "businesses", (handlers) =>
  handlers
    .handle("get", ({ params }) => Effect.succeed(params.businessId))
    .handle("contact", ({ params }) => Effect.succeed(`${params.businessId}/${params.contactId}`)))

const ApiLive = HttpApiBuilder.layer(Api).pipe(Layer.provide([ContactsLive, MessagesLive, BusinessesLive]))

// Routes beside the API on the same router, failing with the platform's own empty errors, as code
// written before errata does.
const PlatformRoutes = Layer.mergeAll(
  HttpRouter.add("GET", "/platform/unauthorized", Effect.fail(new HttpApiError.Unauthorized())),
  HttpRouter.add("GET", "/platform/forbidden", Effect.fail(new HttpApiError.Forbidden())),
  HttpRouter.add("GET", "/platform/conflict", Effect.fail(new HttpApiError.Conflict()))
)

const json = (body: unknown, method = "POST", headers: Record<string, string> = {}): RequestInit => ({
  method,
  headers: { "content-type": "application/json", ...headers },
  body: typeof body === "string" ? body : JSON.stringify(body)
})

const issuesOf = (body: unknown): unknown => at(body, "error", "details", "issues")


layer(serve(Layer.mergeAll(ApiLive, PlatformRoutes)))("HttpApi with ServerErrors.layer()", (it) => {
  it.effect("a handler's errata error is its wire response, with X-Request-ID; a success has one too", () =>
    Effect.gen(function*() {
      const res = yield* send(`/contacts/${MISSING}`, { headers: { "x-request-id": "api-1" } })
      expect(res.status).toBe(404)
      expect(res.headers.get("content-type")).toBe("application/json")
      expect(res.headers.get("x-request-id")).toBe("api-1")
      expect(res.json).toStrictEqual({ error: { code: "NOT_FOUND", message: "Contact not found", details: { id: MISSING } } })
      const unavailable = yield* send("/unavailable")
      expect(unavailable.status).toBe(503)
      expect(unavailable.json).toStrictEqual({ error: { code: "SERVICE_UNAVAILABLE", message: "Back soon" } })
      const ok = yield* send(`/contacts/${ID}`)
      expect(ok.status).toBe(200)
      expect(ok.json).toStrictEqual({ id: ID, name: "Ada" })
      expect(isSafeRequestId(ok.headers.get("x-request-id"))).toBe(true)
    }))

  describe("Params: path IDs that are not UUIDs get the code of their resource", () => {
    const cases = [
      ["/contacts/abc", "INVALID_CONTACT_ID", "Contact ID is not a valid ID", "abc"],
      ["/messages/42", "INVALID_MESSAGE_ID", "Message ID is not a valid ID", "42"],
      ["/businesses/not-a-uuid", "INVALID_BUSINESS_ID", "Business ID is not a valid ID", "not-a-uuid"],
      [`/businesses/${ID}/contacts/nope`, "INVALID_CONTACT_ID", "Contact ID is not a valid ID", "nope"],
      [`/contacts/${ID}x`, "INVALID_CONTACT_ID", "Contact ID is not a valid ID", `${ID}x`]
    ] as const
    for (const [path, code, message, value] of cases) {
      it.effect(`${path} → ${code}`, () =>
        Effect.gen(function*() {
          const res = yield* send(path)
          expect(res.status).toBe(400)
          expect(res.json).toStrictEqual({ error: { code, message, details: { value } } })
        }))
    }

    it.effect("the offending value is cut to 64 characters; a segment over 100 characters still matches its route", () =>
      Effect.gen(function*() {
        for (const length of [90, 101, 4_000]) {
          const res = yield* send(`/contacts/${"z".repeat(length)}`)
          expect(res.status).toBe(400)
          expect(res.json).toStrictEqual({
            error: { code: "INVALID_CONTACT_ID", message: "Contact ID is not a valid ID", details: { value: "z".repeat(64) } }
          })
        }
      }))
  })

  describe("Payload: VALIDATION_ERROR, one issue per failing field", () => {
    it.effect("a body that is not JSON is VALIDATION_ERROR about the whole body", () =>
      Effect.gen(function*() {
        const res = yield* send("/contacts", json("{\"email\": "))
        expect(res.status).toBe(400)
        expect(res.json).toStrictEqual(notJsonResponse)
      }))

    it.effect("a body that does not match lists every failing field, with nested paths", () =>
      Effect.gen(function*() {
        const res = yield* send(
          "/contacts",
          json({ email: "nope", name: "Ada", addresses: [{ zip: "10115", city: "Berlin" }, { zip: "1", city: 7 }] })
        )
        expect(res.status).toBe(400)
        expect(at(res.json, "error", "code")).toBe("VALIDATION_ERROR")
        expect(at(res.json, "error", "message")).toBe("Request body failed validation")
        expect(issuesOf(res.json)).toStrictEqual([
          { path: ["email"], message: "must include \"@\"" },
          { path: ["addresses", 1, "zip"], message: "must be at least 5 characters" },
          { path: ["addresses", 1, "city"], message: "must be a string" }
        ])
        const decoded = Wire.decode({ status: res.status, headers: res.headers, body: res.text })
        expect(decoded._tag === "ValidationError" && decoded.issues.length).toBe(3)
      }))

    it.effect("a missing field and a body of the wrong shape are VALIDATION_ERROR too", () =>
      Effect.gen(function*() {
        const missing = yield* send("/contacts", json({ email: "a@b", addresses: [] }))
        expect(missing.json).toMatchObject({
          error: { code: "VALIDATION_ERROR", details: { issues: [{ path: ["name"], message: "is required" }] } }
        })
        for (const body of [[1, 2], "hello", null]) {
          const wrong = yield* send("/contacts", json(JSON.stringify(body)))
          expect(wrong.json).toStrictEqual({
            error: {
              code: "VALIDATION_ERROR",
              message: "Request body failed validation",
              details: { issues: [{ path: [], message: "must be a JSON object" }] }
            }
          })
        }
      }))

    it.effect("form and binary bodies are refused by their type, as VALIDATION_ERROR, not the platform's 415", () =>
      Effect.gen(function*() {
        const refused = {
          error: {
            code: "VALIDATION_ERROR",
            message: "Content-Type must be application/json",
            details: { issues: [{ path: [], message: "Expected a body of type application/json" }] }
          }
        }
        const form = yield* send("/contacts", {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: "email=ada&name=Ada"
        })
        expect(form.status).toBe(400)
        expect(form.json).toStrictEqual(refused)
        const binary = yield* send("/contacts", {
          method: "POST",
          headers: { "content-type": "application/octet-stream" },
          body: new Uint8Array([1, 2, 3])
        })
        expect(binary.json).toStrictEqual(refused)
      }))

    it.effect("a valid body goes through, with the declared status", () =>
      Effect.gen(function*() {
        const res = yield* send("/contacts", json({ email: "ada@example.com", name: "Ada", addresses: [{ zip: "10115", city: "Berlin" }] }))
        expect(res.status).toBe(201)
        expect(res.json).toStrictEqual({ id: ID, name: "Ada" })
      }))
  })

  describe("Query: MISSING_QUERY or INVALID_INPUT", () => {
    it.effect("a missing required parameter is MISSING_QUERY naming it", () =>
      Effect.gen(function*() {
        const res = yield* send("/contacts?limit=5")
        expect(res.status).toBe(400)
        expect(res.json).toStrictEqual({
          error: { code: "MISSING_QUERY", message: "Query parameter \"q\" is required", details: { parameter: "q" } }
        })
      }))

    it.effect("a bad value is INVALID_INPUT with issues rooted at the parameter", () =>
      Effect.gen(function*() {
        const res = yield* send("/contacts?q=ada&limit=500&tag=vip")
        expect(res.json).toStrictEqual({
          error: {
            code: "INVALID_INPUT",
            message: "Query parameters or other input invalid",
            details: { issues: [{ path: ["limit"], message: "must be between 1 and 100" }] }
          }
        })
        const notANumber = yield* send("/contacts?q=ada&limit=ten")
        expect(issuesOf(notANumber.json)).toStrictEqual([{ path: ["limit"], message: "must be a number" }])
      }))

    it.effect("a single value for an array parameter is one item; a static route beats a parameter route", () =>
      Effect.gen(function*() {
        const one = yield* send("/contacts?q=ada&tag=vip")
        expect(one.json).toStrictEqual([{ id: "vip", name: "ada" }])
        const search = yield* send("/contacts/search")
        expect(search.json).toMatchObject({ error: { code: "MISSING_QUERY", details: { parameter: "q" } } })
      }))
  })

  describe("several parts at once, in the builder's order: path, headers, query, payload", () => {
    it.effect("a bad path ID wins over everything", () =>
      Effect.gen(function*() {
        const res = yield* send("/contacts/abc?notify=maybe", json({ name: 1 }, "PATCH", { "if-match": "x" }))
        expect(res.json).toMatchObject({ error: { code: "INVALID_CONTACT_ID", details: { value: "abc" } } })
      }))

    it.effect("then the headers", () =>
      Effect.gen(function*() {
        const res = yield* send(`/contacts/${ID}?notify=maybe`, json({ name: 1 }, "PATCH", { "if-match": "x" }))
        expect(res.json).toStrictEqual({
          error: {
            code: "INVALID_INPUT",
            message: "Query parameters or other input invalid",
            details: { issues: [{ path: ["if-match"], message: "must be a number" }] }
          }
        })
      }))

    it.effect("then the query", () =>
      Effect.gen(function*() {
        const res = yield* send(`/contacts/${ID}?notify=maybe`, json({ name: 1 }, "PATCH"))
        expect(res.json).toStrictEqual({
          error: {
            code: "INVALID_INPUT",
            message: "Query parameters or other input invalid",
            details: { issues: [{ path: ["notify"], message: "must be one of \"true\", \"false\"" }] }
          }
        })
      }))

    it.effect("then the payload", () =>
      Effect.gen(function*() {
        const res = yield* send(`/contacts/${ID}?notify=true`, json({ name: 1 }, "PATCH"))
        expect(res.json).toMatchObject({ error: { code: "VALIDATION_ERROR", details: { issues: [{ path: ["name"] }] } } })
        const ok = yield* send(`/contacts/${ID}?notify=true`, json({ name: "Ada" }, "PATCH", { "if-match": "3" }))
        expect(ok.status).toBe(200)
      }))
  })

  it.effect("the platform's empty errors with a catalog meaning get it; the others are INTERNAL_ERROR", () =>
    Effect.gen(function*() {
      expect((yield* send("/platform/unauthorized")).json).toStrictEqual({
        error: { code: "UNAUTHORIZED", message: "API key missing or invalid" }
      })
      const forbidden = yield* send("/platform/forbidden")
      expect(forbidden.status).toBe(403)
      expect(forbidden.json).toMatchObject({ error: { code: "INSUFFICIENT_PERMISSIONS" } })
      const conflict = yield* send("/platform/conflict")
      expect(conflict.status).toBe(500)
      expect(conflict.json).toStrictEqual({ error: { code: "INTERNAL_ERROR", message: "Unexpected server error" } })
    }))

  it.effect("unknown routes and methods are NOT_FOUND; a defect is a bare INTERNAL_ERROR", () =>
    Effect.gen(function*() {
      expect((yield* send("/nothing/here")).json).toStrictEqual({
        error: { code: "NOT_FOUND", message: "The resource does not exist" }
      })
      expect((yield* send("/contacts", { method: "DELETE" })).status).toBe(404)
      const boom = yield* send("/boom")
      expect(boom.status).toBe(500)
      expect(boom.text).toBe("{\"error\":{\"code\":\"INTERNAL_ERROR\",\"message\":\"Unexpected server error\"}}")
    }))
})

layer(servePlain(ApiLive))("HttpApi with CatalogErrors alone", (it) => {
  it.effect("the builder itself writes declared errata errors in the wire format", () =>
    Effect.gen(function*() {
      const res = yield* send(`/contacts/${MISSING}`)
      expect(res.status).toBe(404)
      expect(res.headers.get("content-type")).toBe("application/json")
      expect(res.json).toStrictEqual({ error: { code: "NOT_FOUND", message: "Contact not found", details: { id: MISSING } } })
    }))
})

// A catalog class declared as it is: the builder writes it with the class's own fields, and
// `ServerErrors` writes that in the wire format.
class Alone extends HttpApi.make("alone").add(
  HttpApiGroup.make("things").add(
    HttpApiEndpoint.get("get", "/things/:contactId", {
      params: { contactId: Ids.ContactId },
      success: Schema.String,
      error: [ApiError.NotFound, ApiError.RateLimitExceeded]
    })
  )
) {}

const AloneLive = HttpApiBuilder.layer(Alone).pipe(
  Layer.provide(HttpApiBuilder.group(Alone, "things", (handlers) =>
    handlers.handle("get", ({ params }) =>
      params.contactId === MISSING
        ? Effect.fail(new ApiError.RateLimitExceeded({ details: { retryAfter: 7 } }))
        : Effect.fail(new ApiError.NotFound({ message: "No such thing", details: { id: params.contactId } }))))
  )
)

layer(serve(AloneLive))("a catalog class declared as it is, behind ServerErrors.layer()", (it) => {
  it.effect("is answered in the wire format, headers included", () =>
    Effect.gen(function*() {
      const res = yield* send(`/things/${ID}`, { headers: { "x-request-id": "alone-1" } })
      expect(res.status).toBe(404)
      expect(res.headers.get("x-request-id")).toBe("alone-1")
      expect(res.json).toStrictEqual({ error: { code: "NOT_FOUND", message: "No such thing", details: { id: ID } } })
      const limited = yield* send(`/things/${MISSING}`)
      expect(limited.status).toBe(429)
      expect(limited.headers.get("retry-after")).toBe("7")
      expect(limited.json).toStrictEqual({ error: { code: "RATE_LIMIT_EXCEEDED", message: "Too many requests", details: { retryAfter: 7 } } })
    }))
})

layer(servePlain(AloneLive))("a catalog class declared as it is, without errata's middleware", (it) => {
  it.effect("is written by the builder with the class's own fields (why the middleware rewrites it)", () =>
    Effect.gen(function*() {
      const res = yield* send(`/things/${ID}`)
      expect(res.status).toBe(404)
      expect(res.json).toMatchObject({ _tag: "NotFound", message: "No such thing" })
    }))
})

// A middleware between errata's and the router that provides a service around the routes, as
// code often does: it puts its own context back when the route ends, so the route the router
// found is gone by the time `ServerErrors` answers.
class Greeting extends Context.Service<Greeting, string>()("test/Greeting") {}
const ProvidingMiddleware = HttpRouter.middleware((app) => Effect.provideService(app, Greeting, "hello"), { global: true })

layer(servePlain(Layer.mergeAll(ApiLive, ProvidingMiddleware.pipe(Layer.provideMerge(ServerErrors.layer())))))(
  "ServerErrors.layer() outside a middleware that provides a service",
  (it) => {
    it.effect("a path ID still gets its resource's code, and a query issue its parameter", () =>
      Effect.gen(function*() {
        const id = yield* send("/contacts/abc")
        expect(id.status).toBe(400)
        expect(at(id.json, "error", "code")).toBe("INVALID_CONTACT_ID")
        const query = yield* send("/contacts?limit=5")
        expect(query.json).toStrictEqual({
          error: { code: "MISSING_QUERY", message: "Query parameter \"q\" is required", details: { parameter: "q" } }
        })
        const limit = yield* send("/contacts?q=a&limit=1000")
        expect(at(limit.json, "error", "code")).toBe("INVALID_INPUT")
      }))
  }
)
