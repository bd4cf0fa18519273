/**
 * `CatalogErrors` and the Effect 4 OpenAPI document: declared errors per status, one wire body per
 * code, what `withoutDecodeError` declares, and the document judged by an OpenAPI 3.1 validator.
 */
import { describe, expect, it } from "@effect/vitest"
import { Validator } from "@seriousme/openapi-schema-validator"
import { Effect, Schema, SchemaAST } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware, HttpApiSchema, HttpApiSecurity, OpenApi } from "effect/http-api"
import { ApiError, Catalog, Wire } from "errata"
import { CatalogErrors, Ids } from "errata/api"
import { at, toJson } from "../server/support/Json.js"

class Guard extends HttpApiMiddleware.Service<Guard>()("test/Guard", {
  error: CatalogErrors.schema("UNAUTHORIZED"),
  security: { bearer: HttpApiSecurity.bearer }
}) {}

class Contacts extends HttpApiGroup.make("contacts").add(
  HttpApiEndpoint.get("get", "/contacts/:contactId", { params: { contactId: Ids.ContactId }, success: Schema.String }).pipe(
    CatalogErrors.add("NOT_FOUND", "INVALID_CONTACT_ID")
  ),
  HttpApiEndpoint.get("list", "/contacts", { query: { q: Schema.String, limit: Schema.optionalKey(Schema.Int) }, success: Schema.String })
    .pipe(CatalogErrors.add("INVALID_INPUT", "MISSING_QUERY")),
  HttpApiEndpoint.get("search", "/contacts/search", { query: { q: Schema.String }, success: Schema.String }),
  HttpApiEndpoint.patch("update", "/contacts/:contactId", {
    params: { contactId: Ids.ContactId },
    payload: Schema.Struct({ name: Schema.String }),
    success: Schema.String
  }).pipe(CatalogErrors.add("VALIDATION_ERROR", "INVALID_INPUT", "INVALID_CONTACT_ID")),
  HttpApiEndpoint.post("create", "/contacts", { payload: Schema.Struct({ name: Schema.String }), success: Schema.String })
    .middleware(Guard)
) {}

class Messages extends HttpApiGroup.make("messages").add(
  HttpApiEndpoint.get("get", "/messages/:messageId", { params: { messageId: Ids.MessageId }, success: Schema.String })
).pipe(CatalogErrors.add("NOT_FOUND", "INVALID_MESSAGE_ID")) {}

class Api extends HttpApi.make("errata-api").add(Contacts).add(Messages).pipe(
  CatalogErrors.add("RATE_LIMIT_EXCEEDED", "INTERNAL_ERROR")
) {}

const plain = toJson(OpenApi.fromApi(Api))
const cleaned = toJson(OpenApi.fromApi(Api.annotate(OpenApi.Transform, CatalogErrors.withoutDecodeError)))

const resolve = (document: unknown, schema: unknown): unknown => {
  const ref = at(schema, "$ref")
  return typeof ref === "string" ? at(document, "components", "schemas", ref.slice("#/components/schemas/".length)) : schema
}

const responseSchema = (document: unknown, path: string, method: string, status: number): unknown =>
  resolve(document, at(document, "paths", path, method, "responses", status, "content", "application/json", "schema"))

// The codes of the wire bodies a schema documents, through unions and references.
const codesIn = (document: unknown, schema: unknown): ReadonlyArray<unknown> => {
  const target = resolve(document, schema)
  const anyOf = at(target, "anyOf")
  if (Array.isArray(anyOf)) return anyOf.flatMap((member) => codesIn(document, member))
  const codes = at(target, "properties", "error", "properties", "code", "enum")
  return Array.isArray(codes) ? codes : []
}

const validate = (document: unknown) =>
  Effect.promise(() => {
    const validator = new Validator()
    return validator.validate(JSON.parse(JSON.stringify(document)))
  })

describe("CatalogErrors.schema", () => {
  it("decodes the wire body of each of its codes back to the class, and carries their status", () => {
    const schema = CatalogErrors.schema("VALIDATION_ERROR", "INVALID_INPUT", "MISSING_QUERY")
    const decoded = Schema.decodeUnknownSync(schema)({
      error: { code: "MISSING_QUERY", message: "Query parameter \"q\" is required", details: { parameter: "q" } }
    })
    expect(decoded).toStrictEqual(
      new ApiError.MissingQuery({ message: "Query parameter \"q\" is required", details: { parameter: "q" } })
    )
    expect(SchemaAST.resolve(schema.ast)?.["httpApiStatus"]).toBe(400)
    expect(() => Schema.decodeUnknownSync(schema)({ error: { code: "NOT_FOUND", message: "x" } })).toThrow()
    // And writes each class as its wire body, byte for byte what `Wire.encode` gives.
    const error = new ApiError.InvalidInput({ details: { issues: [{ path: ["limit"], message: "must be a number" }] } })
    expect(Schema.encodeSync(schema)(error)).toStrictEqual(Wire.encode(error).body)
  })

  it("of codes of different statuses carries none; a single code is Wire.schema", () => {
    expect(SchemaAST.resolve(CatalogErrors.schema("NOT_FOUND", "UNAUTHORIZED").ast)?.["httpApiStatus"]).toBeUndefined()
    expect(SchemaAST.resolve(CatalogErrors.schema("NOT_FOUND").ast)?.["httpApiStatus"]).toBe(404)
    expect(Schema.decodeUnknownSync(CatalogErrors.schema("NOT_FOUND"))({ error: { code: "NOT_FOUND", message: "x" } })._tag)
      .toBe("NotFound")
  })

  it("schemas(...codes) gives one schema per status, for an endpoint's or a middleware's error option", () => {
    const [unauthorized, forbidden, ...rest] = CatalogErrors.schemas("INSUFFICIENT_PERMISSIONS", "UNAUTHORIZED", "UNAUTHORIZED")
    expect(rest).toStrictEqual([])
    expect(SchemaAST.resolve(unauthorized.ast)?.["httpApiStatus"]).toBe(401)
    expect(forbidden !== undefined && SchemaAST.resolve(forbidden.ast)?.["httpApiStatus"]).toBe(403)
    expect(CatalogErrors.schemas("NOT_FOUND", "VALIDATION_ERROR", "INVALID_INPUT").map((s) => CatalogErrors.codesOf(s))).toStrictEqual([
      ["VALIDATION_ERROR", "INVALID_INPUT"],
      ["NOT_FOUND"]
    ])
    const endpoint = HttpApiEndpoint.get("x", "/x", { error: CatalogErrors.schemas("NOT_FOUND", "UNAUTHORIZED") })
    const doc = toJson(OpenApi.fromApi(HttpApi.make("s").add(HttpApiGroup.make("g").add(endpoint))))
    expect(codesIn(doc, responseSchema(doc, "/x", "get", 401))).toStrictEqual(["UNAUTHORIZED"])
    expect(codesIn(doc, responseSchema(doc, "/x", "get", 404))).toStrictEqual(["NOT_FOUND"])
  })

  it("codesOf reads the codes a schema puts on the wire, through unions, codecs and classes", () => {
    expect(CatalogErrors.codesOf(CatalogErrors.schema("NOT_FOUND", "UNAUTHORIZED"))).toStrictEqual(["NOT_FOUND", "UNAUTHORIZED"])
    expect(CatalogErrors.codesOf(Schema.Union([CatalogErrors.schema("NOT_FOUND"), ApiError.Unauthorized]))).toStrictEqual([
      "NOT_FOUND",
      "UNAUTHORIZED"
    ])
    expect(CatalogErrors.codesOf(Schema.toCodecJson(Wire.schema("RATE_LIMIT_EXCEEDED")))).toStrictEqual(["RATE_LIMIT_EXCEEDED"])
    expect(CatalogErrors.codesOf(ApiError.InvalidBusinessId.ast)).toStrictEqual(["INVALID_BUSINESS_ID"])
    expect(CatalogErrors.codesOf(Schema.Struct({ reason: Schema.String }))).toStrictEqual([])
  })
})

describe("CatalogErrors.add", () => {
  it("adds one schema per status to an endpoint, every endpoint of a group and of an API", () => {
    const get = Api.groups.contacts.endpoints.get
    const statuses = [...get.error].map((schema) => SchemaAST.resolve(schema.ast)?.["httpApiStatus"])
    expect(statuses).toStrictEqual([404, 400, 429, 500])
    expect([...get.error].flatMap((schema) => CatalogErrors.codesOf(schema))).toStrictEqual([
      "NOT_FOUND",
      "INVALID_CONTACT_ID",
      "RATE_LIMIT_EXCEEDED",
      "INTERNAL_ERROR"
    ])
    expect([...Api.groups.messages.endpoints.get.error].flatMap((schema) => CatalogErrors.codesOf(schema))).toStrictEqual([
      "NOT_FOUND",
      "INVALID_MESSAGE_ID",
      "RATE_LIMIT_EXCEEDED",
      "INTERNAL_ERROR"
    ])
  })

  it("keeps everything else of the endpoint: schemas, middleware, annotations", () => {
    const endpoint = HttpApiEndpoint.patch("update", "/contacts/:contactId", {
      params: { contactId: Ids.ContactId },
      query: { notify: Schema.optionalKey(Schema.Boolean) },
      headers: { "if-match": Schema.optionalKey(Schema.Int) },
      payload: Schema.Struct({ name: Schema.String }),
      success: Schema.String
    }).middleware(Guard).annotate(OpenApi.Summary, "Update a contact")
    const added = endpoint.pipe(CatalogErrors.add("NOT_FOUND"))
    expect(added.identifier).toBe("update")
    expect(added.method).toBe("PATCH")
    expect(added.path).toBe("/contacts/:contactId")
    expect(added.params?.ast).toBe(endpoint.params?.ast)
    expect(added.query?.ast).toBe(endpoint.query?.ast)
    expect(added.headers?.ast).toBe(endpoint.headers?.ast)
    expect([...added.payload.keys()]).toStrictEqual([...endpoint.payload.keys()])
    expect([...added.payload.values()][0]?.schemas[0]?.ast).toBe([...endpoint.payload.values()][0]?.schemas[0]?.ast)
    expect([...added.success].map((s) => s.ast)).toStrictEqual([...endpoint.success].map((s) => s.ast))
    expect([...added.middlewares]).toStrictEqual([Guard])
    expect(added.annotations.mapUnsafe.get(OpenApi.Summary.key)).toBe("Update a contact")
    expect(added.disableCodecs).toBe(false)
    // Data first, too; and on an API, every group keeps its identity, annotations and class-ability.
    expect(CatalogErrors.add(endpoint, "NOT_FOUND").error.size).toBe(1)
    const api = HttpApi.make("x").add(HttpApiGroup.make("g", { topLevel: true }).add(endpoint).annotate(OpenApi.Description, "G"))
      .annotate(OpenApi.Title, "X").pipe(CatalogErrors.add("INTERNAL_ERROR"))
    expect(api.identifier).toBe("x")
    expect(api.groups.g.topLevel).toBe(true)
    expect(api.groups.g.annotations.mapUnsafe.get(OpenApi.Description.key)).toBe("G")
    expect(api.annotations.mapUnsafe.get(OpenApi.Title.key)).toBe("X")
    class Extended extends api {}
    expect(Extended.groups.g.endpoints.update.error.size).toBe(1)
  })

  it("addAll declares every code of the catalog", () => {
    const all = toJson(OpenApi.fromApi(HttpApi.make("all").add(HttpApiGroup.make("g").add(HttpApiEndpoint.get("x", "/x"))).pipe(CatalogErrors.addAll)))
    const responses = at(all, "paths", "/x", "get", "responses")
    const codes = Object.keys(typeof responses === "object" && responses !== null ? responses : {}).flatMap((status) =>
      codesIn(all, at(all, "paths", "/x", "get", "responses", status, "content", "application/json", "schema"))
    )
    expect([...codes].sort()).toStrictEqual([...Catalog.codes].sort())
  })
})

describe("the OpenAPI document, as the platform writes it", () => {
  it("shows each status with one wire body per declared code", () => {
    expect(codesIn(plain, responseSchema(plain, "/contacts/{contactId}", "get", 404))).toStrictEqual(["NOT_FOUND"])
    expect(codesIn(plain, responseSchema(plain, "/contacts/{contactId}", "get", 400))).toStrictEqual(["INVALID_CONTACT_ID"])
    expect(codesIn(plain, responseSchema(plain, "/contacts", "get", 400))).toStrictEqual(["INVALID_INPUT", "MISSING_QUERY"])
    expect(codesIn(plain, responseSchema(plain, "/contacts/{contactId}", "patch", 400))).toStrictEqual([
      "VALIDATION_ERROR",
      "INVALID_INPUT",
      "INVALID_CONTACT_ID"
    ])
    expect(codesIn(plain, responseSchema(plain, "/messages/{messageId}", "get", 429))).toStrictEqual(["RATE_LIMIT_EXCEEDED"])
    expect(codesIn(plain, responseSchema(plain, "/messages/{messageId}", "get", 500))).toStrictEqual(["INTERNAL_ERROR"])
    // A security middleware's own error is on the operations it guards.
    expect(codesIn(plain, responseSchema(plain, "/contacts", "post", 401))).toStrictEqual(["UNAUTHORIZED"])
  })

  it("documents ID path parameters as UUIDs that name their code", () => {
    expect(at(plain, "paths", "/contacts/{contactId}", "get", "parameters", 0)).toMatchObject({
      name: "contactId",
      in: "path",
      required: true,
      schema: { $ref: "#/components/schemas/ContactId" }
    })
    expect(at(plain, "components", "schemas", "ContactId")).toMatchObject({
      type: "string",
      format: "uuid",
      allOf: [{ "x-errata-code": "INVALID_CONTACT_ID" }]
    })
  })

  it.effect("is valid OpenAPI 3.1", () =>
    Effect.gen(function*() {
      const result = yield* validate(plain)
      expect(result.errors).toBeUndefined()
      expect(result.valid).toBe(true)
    }))
})

describe("CatalogErrors.withoutDecodeError", () => {
  const response = (spec: unknown, path: string, method: string, status: number) =>
    JSON.stringify(at(spec, "paths", path, method, "responses", status))

  it("lists the codes the middleware answers on each operation, declared or not, each with its details", () => {
    const search = response(cleaned, "/contacts/search", "get", 400)
    for (const code of ["INVALID_INPUT", "MISSING_QUERY"]) expect(search).toContain(code)
    for (const code of ["VALIDATION_ERROR", "INVALID_CONTACT_ID"]) expect(search).not.toContain(code)
    expect(response(cleaned, "/contacts/search", "get", 500)).toContain("INTERNAL_ERROR")
    const patch = at(cleaned, "paths", "/contacts/{contactId}", "patch", "responses", 400, "content", "application/json", "schema", "anyOf")
    expect(Array.isArray(patch) ? patch.map((m) => at(m, "properties", "error", "properties", "code", "enum")) : patch)
      .toStrictEqual([["VALIDATION_ERROR"], ["INVALID_INPUT"], ["INVALID_CONTACT_ID"]])
    expect(at(cleaned, "paths", "/contacts/{contactId}", "get", "responses", 400, "content", "application/json", "schema")).toMatchObject({
      properties: { error: { properties: { code: { enum: ["INVALID_CONTACT_ID"] }, details: { properties: { value: { maxLength: 64 } } } } } }
    })
    // The body of an operation under a security scheme is answered only after its key: UNAUTHORIZED.
    expect(response(cleaned, "/contacts", "post", 401)).toContain("UNAUTHORIZED")
    expect(response(cleaned, "/contacts", "post", 400)).toContain("VALIDATION_ERROR")
  })

  it("every response declares X-Request-ID; a rate-limited one X-RateLimit-*; a 429 requires Retry-After", () => {
    const responses = at(cleaned, "paths", "/messages/{messageId}", "get", "responses")
    for (const status of Object.keys(typeof responses === "object" && responses !== null ? responses : {})) {
      expect(at(responses, status, "headers", "X-Request-ID"), status).toStrictEqual({ $ref: "#/components/headers/X-Request-ID" })
      expect(at(responses, status, "headers", "X-RateLimit-Limit"), status).toStrictEqual({ $ref: "#/components/headers/X-RateLimit-Limit" })
    }
    expect(at(responses, 429, "headers", "Retry-After", "required")).toBe(true)
    expect(at(cleaned, "components", "headers", "X-Request-ID", "required")).toBe(true)
  })

  it("drops the component schemas only the replaced bodies referred to, and keeps the others", () => {
    const schemas = at(cleaned, "components", "schemas")
    const names = Object.keys(typeof schemas === "object" && schemas !== null ? schemas : {})
    expect(names).toContain("ContactId")
    expect(names.filter((name) => name.endsWith("BodyEncoded"))).toStrictEqual([])
    expect(JSON.stringify(cleaned)).not.toContain("BodyEncoded")
  })

  it.effect("gives a valid OpenAPI 3.1 document", () =>
    Effect.gen(function*() {
      const result = yield* validate(cleaned)
      expect(result.errors).toBeUndefined()
      expect(result.valid).toBe(true)
    }))

  describe("a catalog class declared as it is: error: ApiError.NotFound", () => {
    const Alone = HttpApi.make("alone").add(
      HttpApiGroup.make("things").add(
        HttpApiEndpoint.get("get", "/things/:contactId", {
          params: { contactId: Ids.ContactId },
          success: Schema.String,
          error: ApiError.NotFound
        })
      )
    )

    it("carries its status where HttpApi reads it, so the platform documents a 404", () => {
      for (const ErrorClass of ApiError.ApiError.members) {
        expect(SchemaAST.resolve(ErrorClass.ast)?.["httpApiStatus"], ErrorClass.identifier).toBe(ErrorClass.prototype.status)
      }
      expect(Object.keys(at(toJson(OpenApi.fromApi(Alone)), "paths", "/things/{contactId}", "get", "responses") ?? {})).toContain("404")
    })

    it.effect("is documented with the wire body (with the transform), its own fields gone", () =>
      Effect.gen(function*() {
        const spec = toJson(OpenApi.fromApi(Alone.annotate(OpenApi.Transform, CatalogErrors.withoutDecodeError)))
        const schema = at(spec, "paths", "/things/{contactId}", "get", "responses", 404, "content", "application/json", "schema")
        expect(at(schema, "properties", "error", "properties", "code", "enum")).toStrictEqual(["NOT_FOUND"])
        expect(JSON.stringify(spec)).not.toContain("\"_tag\"")
        expect((yield* validate(spec)).valid).toBe(true)
      }))

    it("an endpoint's own schema for a status the middleware also answers stays beside the wire bodies", () => {
      const Conflict = Schema.Struct({ reason: Schema.String }).pipe(HttpApiSchema.status(400))
      const api = HttpApi.make("own").add(
        HttpApiGroup.make("g").add(HttpApiEndpoint.get("get", "/things/:contactId", { params: { contactId: Ids.ContactId }, error: Conflict }))
      ).annotate(OpenApi.Transform, CatalogErrors.withoutDecodeError)
      const schema = at(toJson(OpenApi.fromApi(api)), "paths", "/things/{contactId}", "get", "responses", 400, "content", "application/json", "schema")
      expect(at(schema, "anyOf")).toMatchObject([
        { properties: { error: { properties: { code: { enum: ["INVALID_CONTACT_ID"] } } } } },
        { required: ["reason"] }
      ])
    })
  })
})
