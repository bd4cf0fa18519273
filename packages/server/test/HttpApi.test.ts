import {
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiError,
  HttpApiGroup,
  HttpApiSchema,
  OpenApi
} from "@effect/platform"
import { describe, expect, it, layer } from "@effect/vitest"
import { ApiError, Catalog, Wire } from "@errata/core"
import { CatalogErrors, Ids } from "@errata/api"
import { ServerErrors } from "@errata/server"
import { Effect, Layer, Schema } from "effect"
import { at, toJson, notJsonResponse } from "./support/Json.js"
import { send, serveLayer } from "./support/Serve.js"
import { isSafe as isSafeRequestId } from "@errata/dialect/RequestId"

const contactId = HttpApiSchema.param("contactId", Ids.ContactId)
const messageId = HttpApiSchema.param("messageId", Ids.MessageId)
const businessId = HttpApiSchema.param("businessId", Ids.BusinessId)

const Address = Schema.Struct({ zip: Schema.String.pipe(Schema.minLength(5)), city: Schema.String })
const NewContact = Schema.Struct({
  email: Schema.String.pipe(Schema.pattern(/@/)),
  name: Schema.String,
  addresses: Schema.Array(Address)
})
const Contact = Schema.Struct({ id: Schema.String, name: Schema.String })
const ListQuery = Schema.Struct({
  q: Schema.String,
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 100))),
  tag: Schema.optional(Schema.Array(Schema.String))
})

const MISSING = "00000000-0000-4000-8000-000000000000"
const ID = "550e8400-e29b-41d4-a716-446655440000"

class Contacts extends HttpApiGroup.make("contacts")
  .add(
    HttpApiEndpoint.get("get")`/contacts/${contactId}`.addSuccess(Contact).pipe(
      CatalogErrors.add("NOT_FOUND", "INVALID_CONTACT_ID")
    )
  )
  .add(
    HttpApiEndpoint.get("list", "/contacts").setUrlParams(ListQuery).addSuccess(Schema.Array(Contact)).pipe(
      CatalogErrors.add("INVALID_INPUT", "MISSING_QUERY")
    )
  )
  .add(
    HttpApiEndpoint.get("search", "/contacts/search").setUrlParams(Schema.Struct({ q: Schema.String })).addSuccess(
      Schema.Array(Contact)
    )
  )
  .add(
    HttpApiEndpoint.post("create", "/contacts").setPayload(NewContact).addSuccess(Contact, { status: 201 }).pipe(
      CatalogErrors.add("VALIDATION_ERROR")
    )
  )
  .add(
    HttpApiEndpoint.patch("update")`/contacts/${contactId}`
      .setPayload(Schema.Struct({ name: Schema.String }))
      .setUrlParams(Schema.Struct({ notify: Schema.optional(Schema.BooleanFromString) }))
      .setHeaders(Schema.Struct({ "if-match": Schema.optional(Schema.NumberFromString) }))
      .addSuccess(Contact)
      .pipe(CatalogErrors.add("VALIDATION_ERROR", "INVALID_INPUT", "INVALID_CONTACT_ID"))
  )
  .add(HttpApiEndpoint.get("boom", "/boom").addSuccess(Contact))
  .add(HttpApiEndpoint.get("slow", "/unavailable").addSuccess(Contact))
{}

class Messages extends HttpApiGroup.make("messages").add(
  HttpApiEndpoint.get("get")`/messages/${messageId}`.addSuccess(Schema.String).pipe(
    CatalogErrors.add("NOT_FOUND", "INVALID_MESSAGE_ID")
  )
) {}

class Businesses extends HttpApiGroup.make("businesses")
  .add(HttpApiEndpoint.get("get")`/businesses/${businessId}`.addSuccess(Schema.String))
  .add(HttpApiEndpoint.get("contact")`/businesses/${businessId}/contacts/${contactId}`.addSuccess(Schema.String))
  .pipe(CatalogErrors.add("NOT_FOUND", "INVALID_BUSINESS_ID", "INVALID_CONTACT_ID"))
{}

// Handlers that fail with the platform's own empty errors, as code written before errata does.
class Platform extends HttpApiGroup.make("platform")
  .add(HttpApiEndpoint.get("unauthorized", "/platform/unauthorized").addSuccess(Schema.String))
  .add(HttpApiEndpoint.get("forbidden", "/platform/forbidden").addSuccess(Schema.String))
  .add(HttpApiEndpoint.get("conflict", "/platform/conflict").addSuccess(Schema.String))
  .addError(HttpApiError.Unauthorized)
  .addError(HttpApiError.Forbidden)
  .addError(HttpApiError.Conflict)
{}

class Api extends HttpApi.make("errata-test")
  .add(Contacts)
  .add(Platform)
  .add(Messages)
  .add(Businesses)
  .pipe(CatalogErrors.add("UNAUTHORIZED", "RATE_LIMIT_EXCEEDED", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE"))
{}

const ContactsLive = HttpApiBuilder.group(Api, "contacts", (handlers) =>
  handlers
    .handle("get", ({ path }) =>
      path.contactId === MISSING
        ? Effect.fail(new ApiError.NotFound({ message: "Contact not found", details: { id: path.contactId } }))
        : Effect.succeed({ id: path.contactId, name: "Ada" }))
    .handle("list", () => Effect.succeed([]))
    .handle("search", () => Effect.succeed([]))
    .handle("create", ({ payload }) => Effect.succeed({ id: ID, name: payload.name }))
    .handle("update", ({ path, payload }) => Effect.succeed({ id: path.contactId, name: payload.name }))
    .handle("boom", () => Effect.die(new Error("the database password is hunter2")))
    .handle("slow", () => Effect.fail(new ApiError.ServiceUnavailable({ message: "Back soon" }))))

const MessagesLive = HttpApiBuilder.group(Api, "messages", (handlers) => handlers.handle("get", ({ path }) => Effect.succeed(path.messageId)))

const BusinessesLive = HttpApiBuilder.group(Api, "businesses", (handlers) =>
  handlers
    .handle("get", ({ path }) => Effect.succeed(path.businessId))
    .handle("contact", ({ path }) => Effect.succeed(`${path.businessId}/${path.contactId}`)))

const PlatformLive = HttpApiBuilder.group(Api, "platform", (handlers) =>
  handlers
    .handle("unauthorized", () => Effect.fail(new HttpApiError.Unauthorized()))
    .handle("forbidden", () => Effect.fail(new HttpApiError.Forbidden()))
    .handle("conflict", () => Effect.fail(new HttpApiError.Conflict())))

const ApiLive = HttpApiBuilder.api(Api).pipe(Layer.provide([ContactsLive, MessagesLive, BusinessesLive, PlatformLive]))

const withErrata = HttpApiBuilder.serve().pipe(
  Layer.provide(ServerErrors.layer()),
  Layer.provide(ApiLive)
)

const json = (body: unknown, method = "POST"): RequestInit => ({
  method,
  headers: { "content-type": "application/json" },
  body: typeof body === "string" ? body : JSON.stringify(body)
})

const pathsOf = (body: unknown): ReadonlyArray<unknown> => {
  const issues = at(body, "error", "details", "issues")
  return Array.isArray(issues) ? issues.map((i) => at(i, "path")) : []
}

const goodContact = { email: "ada@example.com", name: "Ada", addresses: [{ zip: "10115", city: "Berlin" }] }

layer(serveLayer(withErrata))("HttpApi with ServerErrors.middleware", (it) => {
  it.effect("a handler's errata error is its wire response, with X-Request-ID", () =>
    Effect.gen(function*() {
      const res = yield* send(`/contacts/${MISSING}`, { headers: { "x-request-id": "api-1" } })
      expect(res.status).toBe(404)
      expect(res.headers.get("content-type")).toBe("application/json")
      expect(res.headers.get("x-request-id")).toBe("api-1")
      expect(res.json).toStrictEqual({ error: { code: "NOT_FOUND", message: "Contact not found", details: { id: MISSING } } })
      const unavailable = yield* send("/unavailable")
      expect(unavailable.status).toBe(503)
      expect(unavailable.json).toStrictEqual({ error: { code: "SERVICE_UNAVAILABLE", message: "Back soon" } })
    }))

  it.effect("success responses carry X-Request-ID too", () =>
    Effect.gen(function*() {
      const res = yield* send(`/contacts/${ID}`)
      expect(res.status).toBe(200)
      expect(isSafeRequestId(res.headers.get("x-request-id"))).toBe(true)
    }))

  describe("path IDs that are not UUIDs get the code of their resource", () => {
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

    it.effect("the offending value is cut to 64 characters", () =>
      Effect.gen(function*() {
        const res = yield* send(`/contacts/${"z".repeat(90)}`)
        expect(res.json).toStrictEqual({
          error: { code: "INVALID_CONTACT_ID", message: "Contact ID is not a valid ID", details: { value: "z".repeat(64) } }
        })
      }))

    it.effect("a path segment over find-my-way's default 100-character limit still matches its route", () =>
      Effect.gen(function*() {
        const res = yield* send(`/contacts/${"z".repeat(101)}`)
        expect(res.status).toBe(400)
        expect(res.json).toStrictEqual({
          error: { code: "INVALID_CONTACT_ID", message: "Contact ID is not a valid ID", details: { value: "z".repeat(64) } }
        })
      }))
  })

  describe("bodies", () => {
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
        expect(pathsOf(res.json)).toStrictEqual([
          ["email"],
          ["addresses", 1, "zip"],
          ["addresses", 1, "city"]
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
        const array = yield* send("/contacts", json([1, 2]))
        expect(array.json).toMatchObject({
          error: { code: "VALIDATION_ERROR", details: { issues: [{ path: [], message: "must be a JSON object" }] } }
        })
      }))

    it.effect("form and binary bodies are classified as bodies too", () =>
      Effect.gen(function*() {
        const form = yield* send("/contacts", {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: "email=ada&name=Ada"
        })
        expect(form.json).toMatchObject({ error: { code: "VALIDATION_ERROR" } })
        const binary = yield* send("/contacts", {
          method: "POST",
          headers: { "content-type": "application/octet-stream" },
          body: new Uint8Array([1, 2, 3])
        })
        expect(binary.status).toBe(400)
        expect(binary.json).toMatchObject({ error: { code: "VALIDATION_ERROR" } })
      }))

    it.effect("a valid body goes through", () =>
      Effect.gen(function*() {
        const res = yield* send("/contacts", json(goodContact))
        expect(res.status).toBe(201)
        expect(res.json).toStrictEqual({ id: ID, name: "Ada" })
      }))
  })

  describe("query parameters", () => {
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
        expect(res.status).toBe(400)
        expect(at(res.json, "error", "code")).toBe("INVALID_INPUT")
        expect(pathsOf(res.json)).toStrictEqual([["limit"]])
        const notANumber = yield* send("/contacts?q=ada&limit=ten")
        expect(notANumber.json).toMatchObject({ error: { code: "INVALID_INPUT", details: { issues: [{ path: ["limit"] }] } } })
      }))

    it.effect("a static route beats a parameter route, as in the builder's router", () =>
      Effect.gen(function*() {
        const res = yield* send("/contacts/search")
        expect(res.json).toMatchObject({ error: { code: "MISSING_QUERY", details: { parameter: "q" } } })
      }))
  })

  describe("several parts at once, in the builder's order: path, body, headers, query", () => {
    it.effect("a bad path ID wins over a bad body and query", () =>
      Effect.gen(function*() {
        const res = yield* send("/contacts/abc?notify=maybe", json({ name: 1 }, "PATCH"))
        expect(res.json).toMatchObject({ error: { code: "INVALID_CONTACT_ID", details: { value: "abc" } } })
      }))

    it.effect("then the body", () =>
      Effect.gen(function*() {
        const res = yield* send(`/contacts/${ID}?notify=maybe`, json({ name: 1 }, "PATCH"))
        expect(res.json).toMatchObject({ error: { code: "VALIDATION_ERROR", details: { issues: [{ path: ["name"] }] } } })
      }))

    it.effect("then the headers", () =>
      Effect.gen(function*() {
        const res = yield* send(`/contacts/${ID}?notify=maybe`, {
          method: "PATCH",
          headers: { "content-type": "application/json", "if-match": "x" },
          body: JSON.stringify({ name: "Ada" })
        })
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
        const res = yield* send(`/contacts/${ID}?notify=maybe`, json({ name: "Ada" }, "PATCH"))
        expect(res.json).toStrictEqual({
          error: {
            code: "INVALID_INPUT",
            message: "Query parameters or other input invalid",
            details: { issues: [{ path: ["notify"], message: "must be one of \"true\", \"false\"" }] }
          }
        })
        const ok = yield* send(`/contacts/${ID}?notify=true`, json({ name: "Ada" }, "PATCH"))
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

const withoutMiddleware = HttpApiBuilder.serve().pipe(Layer.provide(ApiLive))

layer(serveLayer(withoutMiddleware))("HttpApi with CatalogErrors alone", (it) => {
  it.effect("the builder itself writes declared errata errors in the wire format", () =>
    Effect.gen(function*() {
      const res = yield* send(`/contacts/${MISSING}`)
      expect(res.status).toBe(404)
      expect(res.headers.get("content-type")).toBe("application/json")
      expect(res.json).toStrictEqual({ error: { code: "NOT_FOUND", message: "Contact not found", details: { id: MISSING } } })
    }))
})

describe("CatalogErrors and the OpenAPI document", () => {
  const spec = toJson(OpenApi.fromApi(Api))
  const responseSchema = (document: unknown, path: string, method: string, status: number): unknown =>
    at(document, "paths", path, method, "responses", status, "content", "application/json", "schema")
  // One wire body per code, in unions (the platform's own, of the schemas declared for a status).
  const codesIn = (schema: unknown): ReadonlyArray<unknown> => {
    const anyOf = at(schema, "anyOf")
    if (Array.isArray(anyOf)) return anyOf.flatMap(codesIn)
    const codes = at(schema, "properties", "error", "properties", "code", "enum")
    return Array.isArray(codes) ? codes : []
  }

  it("each status shows the wire schema with its codes as an enum", () => {
    expect(codesIn(responseSchema(spec, "/contacts/{contactId}", "get", 404))).toStrictEqual(["NOT_FOUND"])
    expect(codesIn(responseSchema(spec, "/contacts/{contactId}", "get", 400))).toStrictEqual(["INVALID_CONTACT_ID"])
    expect(codesIn(responseSchema(spec, "/contacts", "get", 400))).toStrictEqual(["INVALID_INPUT", "MISSING_QUERY"])
    expect(codesIn(responseSchema(spec, "/contacts/{contactId}", "patch", 400))).toStrictEqual([
      "VALIDATION_ERROR",
      "INVALID_INPUT",
      "INVALID_CONTACT_ID"
    ])
    expect(codesIn(responseSchema(spec, "/messages/{messageId}", "get", 429))).toStrictEqual(["RATE_LIMIT_EXCEEDED"])
    expect(codesIn(responseSchema(spec, "/messages/{messageId}", "get", 500))).toStrictEqual(["INTERNAL_ERROR"])
    expect(codesIn(responseSchema(spec, "/businesses/{businessId}", "get", 401))).toStrictEqual(["UNAUTHORIZED"])
  })

  it("the wire schema requires code and message, and documents the details of the code", () => {
    const schema = responseSchema(spec, "/messages/{messageId}", "get", 429)
    expect(at(schema, "required")).toStrictEqual(["error"])
    expect(at(schema, "properties", "error", "required")).toStrictEqual(["code", "message"])
    expect(at(schema, "properties", "error", "properties", "details")).toMatchObject({
      properties: { retryAfter: { type: "integer", minimum: 1 } }
    })
  })

  it("ID path parameters are documented as UUIDs", () => {
    expect(at(spec, "paths", "/contacts/{contactId}", "get", "parameters", 0)).toMatchObject({
      name: "contactId",
      in: "path",
      required: true,
      schema: { $ref: "#/components/schemas/ContactId" }
    })
    expect(at(spec, "components", "schemas", "ContactId")).toMatchObject({ type: "string", format: "uuid" })
  })

  it("the schema of a status decodes the wire body back to the class", () => {
    const schema = CatalogErrors.schema("VALIDATION_ERROR", "INVALID_INPUT", "MISSING_QUERY")
    const decoded = Schema.decodeUnknownSync(schema)({
      error: { code: "MISSING_QUERY", message: "Query parameter \"q\" is required", details: { parameter: "q" } }
    })
    expect(decoded).toStrictEqual(
      new ApiError.MissingQuery({ message: "Query parameter \"q\" is required", details: { parameter: "q" } })
    )
    expect(HttpApiSchema.getStatusError(schema)).toBe(400)
    expect(() => Schema.decodeUnknownSync(schema)({ error: { code: "NOT_FOUND", message: "x" } })).toThrow()
  })

  it("addAll declares every code of the catalog", () => {
    const all = toJson(
      OpenApi.fromApi(HttpApi.make("all").add(HttpApiGroup.make("g").add(HttpApiEndpoint.get("x", "/x"))).pipe(CatalogErrors.addAll))
    )
    const responses = at(all, "paths", "/x", "get", "responses")
    const codes = Object.keys(typeof responses === "object" && responses !== null ? responses : {}).flatMap((status) =>
      codesIn(responseSchema(all, "/x", "get", Number(status)))
    )
    expect([...codes].sort()).toStrictEqual([...Catalog.codes].sort())
  })
})

describe("CatalogErrors.withoutDecodeError", () => {
  const plain = toJson(OpenApi.fromApi(Api))
  const cleaned = toJson(OpenApi.fromApi(Api.annotate(OpenApi.Transform, CatalogErrors.withoutDecodeError)))
  const response = (spec: unknown, path: string, method: string, status: number) =>
    JSON.stringify(at(spec, "paths", path, method, "responses", status))

  it("the platform alone lists HttpApiDecodeError next to errata's 400 schema", () => {
    expect(response(plain, "/contacts/{contactId}", "get", 400)).toContain("HttpApiDecodeError")
  })

  it("removes it: errata's 400 schema stays, alone", () => {
    const schema = response(cleaned, "/contacts/{contactId}", "get", 400)
    expect(schema).not.toContain("HttpApiDecodeError")
    expect(schema).not.toContain("anyOf")
    expect(schema).toContain("INVALID_CONTACT_ID")
  })

  it("an endpoint lists the input codes the middleware answers on it, declared or not", () => {
    const search = response(cleaned, "/contacts/search", "get", 400)
    expect(search).not.toContain("HttpApiDecodeError")
    for (const code of ["INVALID_INPUT", "MISSING_QUERY"]) expect(search).toContain(code)
    for (const code of ["VALIDATION_ERROR", "INVALID_CONTACT_ID"]) expect(search).not.toContain(code)
    // A PATCH with an ID in its path and a body: both codes, each with its own details.
    const patch = at(cleaned, "paths", "/contacts/{contactId}", "patch", "responses", 400, "content", "application/json", "schema", "anyOf")
    expect(Array.isArray(patch) ? patch.map((m) => at(m, "properties", "error", "properties", "code", "enum")) : patch)
      .toStrictEqual([["VALIDATION_ERROR"], ["INVALID_INPUT"], ["INVALID_CONTACT_ID"]])
  })

  it("every response declares X-Request-ID; a 429 requires Retry-After", () => {
    const responses = at(cleaned, "paths", "/messages/{messageId}", "get", "responses")
    for (const status of Object.keys(typeof responses === "object" && responses !== null ? responses : {})) {
      expect(at(responses, status, "headers", "X-Request-ID"), status).toStrictEqual({ $ref: "#/components/headers/X-Request-ID" })
    }
    expect(at(responses, 429, "headers", "Retry-After", "required")).toBe(true)
    expect(at(cleaned, "components", "headers", "X-Request-ID", "required")).toBe(true)
  })

  it("drops the components nothing refers to any more", () => {
    const schemas = at(cleaned, "components", "schemas")
    const names = Object.keys(typeof schemas === "object" && schemas !== null ? schemas : {})
    expect(names).not.toContain("HttpApiDecodeError")
    expect(names).not.toContain("Issue")
    expect(names).toContain("ContactId")
    expect(JSON.stringify(cleaned)).not.toContain("HttpApiDecodeError")
  })
})

describe("a catalog class declared alone: addError(ApiError.NotFound)", () => {
  class Alone extends HttpApi.make("alone").add(
    HttpApiGroup.make("things").add(
      HttpApiEndpoint.get("get")`/things/${contactId}`.addSuccess(Schema.String).addError(ApiError.NotFound)
    )
  ) {}
  const AloneLive = HttpApiBuilder.api(Alone).pipe(
    Layer.provide(HttpApiBuilder.group(Alone, "things", (h) => h.handle("get", () => Effect.fail(new ApiError.NotFound()))))
  )

  it("carries its status where HttpApi reads it", () => {
    expect(HttpApiSchema.getStatusError(ApiError.NotFound)).toBe(404)
    for (const ErrorClass of ApiError.ApiError.members) {
      expect(HttpApiSchema.getStatusError(ErrorClass), ErrorClass._tag).toBe(ErrorClass.prototype.status)
    }
  })

  it("is documented as a 404 (the platform alone), with the wire body (with errata's transform)", () => {
    const plain = toJson(OpenApi.fromApi(Alone))
    expect(Object.keys(at(plain, "paths", "/things/{contactId}", "get", "responses") ?? {})).toContain("404")
    const spec = toJson(OpenApi.fromApi(Alone.annotate(OpenApi.Transform, CatalogErrors.withoutDecodeError)))
    const schema = at(spec, "paths", "/things/{contactId}", "get", "responses", 404, "content", "application/json", "schema")
    expect(at(schema, "properties", "error", "properties", "code", "enum")).toStrictEqual(["NOT_FOUND"])
    expect(JSON.stringify(spec)).not.toContain("\"_tag\"")
  })

  it("an endpoint's own schema for a status the middleware also answers stays beside the wire bodies", () => {
    const Conflict = Schema.Struct({ reason: Schema.String })
    const api = HttpApi.make("own").add(
      HttpApiGroup.make("g").add(HttpApiEndpoint.get("get")`/things/${contactId}`.addError(Conflict, { status: 400 }))
    ).annotate(OpenApi.Transform, CatalogErrors.withoutDecodeError)
    const schema = at(toJson(OpenApi.fromApi(api)), "paths", "/things/{contactId}", "get", "responses", 400, "content", "application/json", "schema")
    expect(at(schema, "anyOf")).toMatchObject([
      { properties: { error: { properties: { code: { enum: ["INVALID_CONTACT_ID"] } } } } },
      { required: ["reason"] }
    ])
  })

  layer(serveLayer(HttpApiBuilder.serve().pipe(Layer.provide(ServerErrors.layer()), Layer.provide(AloneLive))))("served", (it) => {
    it.effect("answers 404 in the wire format", () =>
      Effect.gen(function*() {
        const res = yield* send(`/things/${ID}`)
        expect(res.status).toBe(404)
        expect(res.json).toStrictEqual({ error: { code: "NOT_FOUND", message: "The resource does not exist" } })
      }))
  })
})
