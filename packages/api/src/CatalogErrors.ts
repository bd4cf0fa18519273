/**
 * Declaring catalog errors on `HttpApi` endpoints, groups and whole APIs. Each status gets one
 * schema: the wire body `{ error: { code, message, details } }` with `code` as the enum of the
 * codes declared for that status, so `HttpApiBuilder` encodes them in the wire format, handlers
 * may fail with them, and the OpenAPI document lists them per status.
 *
 * @example
 * import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "@effect/platform"
 * import { Schema } from "effect"
 * import { CatalogErrors, Ids } from "@errata/api"
 *
 * const contactId = HttpApiSchema.param("contactId", Ids.ContactId)
 * class Contacts extends HttpApiGroup.make("contacts")
 *   .add(
 *     HttpApiEndpoint.get("getContact")`/contacts/${contactId}`
 *       .addSuccess(Schema.Struct({ name: Schema.String }))
 *       .pipe(CatalogErrors.add("NOT_FOUND", "INVALID_CONTACT_ID"))
 *   )
 *   .pipe(CatalogErrors.add("UNAUTHORIZED", "RATE_LIMIT_EXCEEDED", "INTERNAL_ERROR")) {}
 *
 * @since 0.1.0
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import { ApiError, Catalog, Wire } from "@errata/core"
import { dual } from "effect/Function"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"

// What errors can be added to.
type Target = HttpApiEndpoint.HttpApiEndpoint.Any | HttpApiGroup.HttpApiGroup.Any | HttpApi.HttpApi.Any

// The endpoint, group or API with `E` added to its errors.
type WithErrors<Self, E> = Self extends HttpApiEndpoint.HttpApiEndpoint<
  infer Name,
  infer Method,
  infer Path,
  infer UrlParams,
  infer Payload,
  infer Headers,
  infer Success,
  infer Error,
  infer R,
  infer RE
> ? HttpApiEndpoint.HttpApiEndpoint<Name, Method, Path, UrlParams, Payload, Headers, Success, Error | E, R, RE>
  : Self extends HttpApiGroup.HttpApiGroup<infer Id, infer Endpoints, infer Error, infer R, infer TopLevel>
    ? HttpApiGroup.HttpApiGroup<Id, Endpoints, Error | E, R, TopLevel>
  : Self extends HttpApi.HttpApi<infer Id, infer Groups, infer Error, infer R> ? HttpApi.HttpApi<Id, Groups, Error | E, R>
  : never

const issuesShape = {
  type: "object",
  required: ["issues"],
  properties: {
    issues: {
      type: "array",
      items: {
        type: "object",
        required: ["path", "message"],
        properties: {
          path: { type: "array", items: { anyOf: [{ type: "string" }, { type: "number" }] } },
          message: { type: "string" }
        }
      }
    }
  }
} as const

const valueShape = {
  type: "object",
  properties: { value: { type: "string", maxLength: 64, description: "The offending value, cut to 64 characters" } }
} as const

const detailsShapes: { readonly [C in Catalog.Code]?: object } = {
  VALIDATION_ERROR: { ...issuesShape, description: "One issue per failing field; `path` is inside the body" },
  INVALID_INPUT: { ...issuesShape, description: "One issue per failing input; `path` starts at the parameter name" },
  MISSING_QUERY: {
    type: "object",
    required: ["parameter"],
    properties: { parameter: { type: "string", description: "The missing query parameter" } }
  },
  INVALID_MESSAGE_ID: valueShape,
  INVALID_CONTACT_ID: valueShape,
  INVALID_BUSINESS_ID: valueShape,
  RATE_LIMIT_EXCEEDED: {
    type: "object",
    required: ["retryAfter"],
    properties: {
      retryAfter: { type: "integer", minimum: 1, description: "Seconds to wait; the Retry-After header says the same" }
    }
  },
  INSUFFICIENT_PERMISSIONS: {
    type: "object",
    properties: { scope: { type: "string", description: "The scope that was needed, e.g. contacts:write" } }
  }
}


// The JSON Schema of the wire body of one code: its code, and the details the catalog gives it.
const bodyJsonSchema = (code: Catalog.Code): Record<string, unknown> => {
  const entry = Catalog.entries[code]
  return {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message"],
        properties: {
          code: { type: "string", enum: [code] },
          message: { type: "string" },
          details: detailsShapes[code] ?? { type: "object" }
        },
        additionalProperties: false
      }
    },
    additionalProperties: false,
    title: entry.tag,
    description: `${code}: ${entry.message}`
  }
}

// One body per code, so each code is documented with its own details (not any code with any).
const wireJsonSchema = (codes: ReadonlyArray<Catalog.Code>): Record<string, unknown> =>
  codes.length === 1 && codes[0] !== undefined ? bodyJsonSchema(codes[0]) : { anyOf: codes.map(bodyJsonSchema) }

/**
 * The wire body of a set of codes that share a status, as a schema to and from their classes,
 * annotated with that status. `details` is kept as it is at run time; its documented shape is only
 * written into JSON Schema.
 *
 * @example
 * import { HttpApiSchema } from "@effect/platform"
 * import { CatalogErrors } from "@errata/api"
 * const badRequest = CatalogErrors.schema("VALIDATION_ERROR", "INVALID_INPUT")
 * HttpApiSchema.getStatusError(badRequest) // 400
 *
 * @since 0.1.0
 * @category schemas
 */
export const schema = <const C extends Catalog.Code>(
  ...codes: readonly [C, ...ReadonlyArray<C>]
): Schema.Schema<
  ApiError.ApiErrorOf<C>,
  // Written out rather than named: a local name would be one the users' declarations cannot reach.
  { readonly error: { readonly code: C; readonly message: string; readonly details?: unknown } }
> => {
  const entries = codes.map((code) => Catalog.entries[code])
  const known = new Set<string>(codes)
  const from = Schema.Struct({
    error: Schema.Struct({
      code: Schema.Literal(...codes),
      message: Schema.String,
      details: Schema.optional(Schema.Unknown)
    })
  }).annotations({ jsonSchema: wireJsonSchema(codes) })
  const to = Schema.declare(
    (u): u is ApiError.ApiErrorOf<C> => ApiError.isApiError(u) && known.has(u.code),
    { identifier: entries.map((e) => e.tag).join(" | ") }
  )
  const statuses = [...new Set(entries.map((e) => e.status))]
  const isKnown = (code: string): code is C => known.has(code)
  return Schema.transformOrFail(from, to, {
    strict: true,
    decode: ({ error }) =>
      ParseResult.succeed(ApiError.make(error.code, {
        message: error.message,
        ...(error.details === undefined ? {} : { details: error.details })
      })),
    encode: (e, _, ast) => {
      const { error } = Wire.encode(e).body
      return isKnown(error.code)
        ? ParseResult.succeed({
          error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) }
        })
        : ParseResult.fail(new ParseResult.Type(ast, e, `Expected one of ${codes.join(", ")}`))
    }
  }).annotations({
    [CodesAnnotation]: codes,
    title: entries.map((e) => e.tag).join(" | "),
    description: entries.map((e) => `${e.code}: ${e.message}`).join("; "),
    // What `HttpApiSchema.annotations({ status })` writes, on the same node. Codes of different
    // statuses get none (`add` groups them by status first).
    ...(statuses.length === 1 && statuses[0] !== undefined
      ? { [HttpApiSchema.AnnotationStatus]: statuses[0] }
      : {})
  })
}

// The codes a `schema` stands for, on its node, for `codesOf`.
const CodesAnnotation: unique symbol = Symbol.for("@errata/api/CatalogErrors/Codes")

const codeByTag: ReadonlyMap<string, Catalog.Code> = new Map(Catalog.all.map((entry) => [entry.tag, entry.code]))

// The `_tag` literal of a `Schema.TaggedError` class's encoded side.
const tagOf = (ast: AST.AST): string | undefined => {
  if (ast._tag !== "Transformation" || ast.from._tag !== "TypeLiteral") return undefined
  const tag = ast.from.propertySignatures.find((signature) => signature.name === "_tag")?.type
  return tag?._tag === "Literal" && typeof tag.literal === "string" ? tag.literal : undefined
}

/**
 * The catalog codes an error schema stands for: those of a `CatalogErrors.schema` (as `add`
 * declares them), of a catalog class added as it is, and of every member of a union of them. For
 * what reads an API definition: errata's client narrows each endpoint's errors with it.
 *
 * @example
 * import { Schema } from "effect"
 * import { ApiError } from "@errata/core"
 * import { CatalogErrors } from "@errata/api"
 * CatalogErrors.codesOf(Schema.Union(CatalogErrors.schema("NOT_FOUND"), ApiError.Unauthorized)) // ["NOT_FOUND", "UNAUTHORIZED"]
 *
 * @since 0.1.0
 * @category getters
 */
export const codesOf = (schema: Schema.Schema.All | AST.AST): ReadonlyArray<Catalog.Code> => {
  const codes: Array<Catalog.Code> = []
  const visit = (ast: AST.AST): void => {
    const own: unknown = ast.annotations[CodesAnnotation]
    if (Array.isArray(own)) {
      const declared: ReadonlyArray<unknown> = own
      for (const code of declared) {
        const entry = typeof code === "string" ? Catalog.byCode(code) : undefined
        if (entry !== undefined) codes.push(entry.code)
      }
      return
    }
    if (ast._tag === "Union") return ast.types.forEach(visit)
    if (ast._tag === "Suspend") return visit(ast.f())
    const code = codeByTag.get(tagOf(ast) ?? "")
    if (code !== undefined) codes.push(code)
  }
  visit("ast" in schema ? schema.ast : schema)
  return [...new Set(codes)]
}

const byStatus = (codes: ReadonlyArray<Catalog.Code>): ReadonlyArray<readonly [Catalog.Code, ...Array<Catalog.Code>]> => {
  const groups = new Map<number, [Catalog.Code, ...Array<Catalog.Code>]>()
  for (const code of Catalog.codes) {
    if (!codes.includes(code)) continue
    const status = Catalog.entries[code].status
    const group = groups.get(status)
    if (group === undefined) groups.set(status, [code])
    else group.push(code)
  }
  return [...groups.values()]
}

const addErrors = (self: Target, codes: ReadonlyArray<Catalog.Code>): Target => {
  let out: Target = self
  for (const group of byStatus(codes)) {
    const errorSchema = schema(...group)
    const status = Catalog.entries[group[0]].status
    if (HttpApiEndpoint.isHttpApiEndpoint(out)) out = out.addError(errorSchema, { status })
    else if (HttpApiGroup.isHttpApiGroup(out)) out = asGroup(out).addError(errorSchema, { status })
    else if (HttpApi.isHttpApi(out)) out = asApi(out).addError(errorSchema, { status })
  }
  return out
}

// Boundary: the guards narrow to the `Any` interfaces, which only carry the type id; every value
// they accept is built by `make` and has the full interface.
const asGroup = (self: HttpApiGroup.HttpApiGroup.Any) => self as HttpApiGroup.HttpApiGroup.AnyWithProps
const asApi = (self: HttpApi.HttpApi.Any) => self as HttpApi.HttpApi.AnyWithProps

/**
 * Adds catalog errors to an endpoint, a group (all its endpoints) or an API (all its groups),
 * each with its status. Pipeable: `endpoint.pipe(CatalogErrors.add("NOT_FOUND"))`, or data first:
 * `CatalogErrors.add(endpoint, "NOT_FOUND")`.
 *
 * @example
 * import { HttpApiEndpoint } from "@effect/platform"
 * import { Schema } from "effect"
 * import { CatalogErrors } from "@errata/api"
 *
 * const listContacts = HttpApiEndpoint.get("listContacts", "/contacts")
 *   .addSuccess(Schema.Array(Schema.String))
 *   .pipe(CatalogErrors.add("INVALID_INPUT", "MISSING_QUERY"))
 *
 * @since 0.1.0
 * @category combinators
 */
export const add: {
  <const C extends Catalog.Code>(
    ...codes: readonly [C, ...ReadonlyArray<C>]
  ): <Self extends Target>(self: Self) => WithErrors<Self, ApiError.ApiErrorOf<C>>
  <Self extends Target, const C extends Catalog.Code>(
    self: Self,
    ...codes: readonly [C, ...ReadonlyArray<C>]
  ): WithErrors<Self, ApiError.ApiErrorOf<C>>
} = dual(
  (args) => typeof args[0] !== "string",
  <Self extends Target, C extends Catalog.Code>(self: Self, ...codes: ReadonlyArray<C>): WithErrors<Self, ApiError.ApiErrorOf<C>> =>
    // Boundary: `addErrors` returns the same kind of value it was given, with the errors added,
    // which is what `WithErrors` spells out; TypeScript cannot follow that through the guards.
    addErrors(self, codes) as WithErrors<Self, ApiError.ApiErrorOf<C>>
)

/**
 * Adds all twelve catalog errors.
 *
 * @example
 * import { HttpApi } from "@effect/platform"
 * import { CatalogErrors } from "@errata/api"
 * const api = HttpApi.make("api").pipe(CatalogErrors.addAll)
 *
 * @since 0.1.0
 * @category combinators
 */
export const addAll = <Self extends Target>(self: Self): WithErrors<Self, ApiError.ApiError> => add(self, ...allCodes)

const allCodes: readonly [Catalog.Code, ...Array<Catalog.Code>] = [
  "UNAUTHORIZED",
  ...Catalog.codes.filter((code) => code !== "UNAUTHORIZED")
]


type Json = Readonly<Record<string, unknown>>

const schemaRefPrefix = "#/components/schemas/"
const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` })

// The response headers errata's middlewares write, as OpenAPI header objects (SPEC.md §4).
const headerComponents: Readonly<Record<string, Json>> = {
  "X-Request-ID": {
    description: "The request's ID: the client's own when it sent a safe one, else a new one. Support asks for it.",
    required: true,
    schema: { type: "string", minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9._:-]+$" }
  },
  "X-RateLimit-Limit": {
    description: "Requests per minute the caller's tier allows.",
    schema: { type: "integer", minimum: 0 }
  },
  "X-RateLimit-Remaining": {
    description: "Requests left before the limit applies.",
    schema: { type: "integer", minimum: 0 }
  },
  "X-RateLimit-Reset": {
    description: "When the bucket is full again, in Unix seconds.",
    schema: { type: "integer", minimum: 0 }
  },
  "Retry-After": {
    description: "Seconds to wait before retrying (on a 429, the same number as `details.retryAfter`).",
    schema: { type: "integer", minimum: 0 }
  }
}

const isCode = (u: unknown): u is Catalog.Code => typeof u === "string" && Object.hasOwn(Catalog.entries, u)

const codeOfTag = new Map<unknown, Catalog.Code>(Catalog.all.map((e) => [e.tag, e.code]))

// The catalog codes a response schema documents, when it is an errata wire body (or a union of
// them), or a catalog class itself (`addError(ApiError.NotFound)`: its fields, `_tag` first,
// which the middleware never sends); `undefined` for any other schema, which is kept as it is.
const codesOfBody = (schema: unknown, resolve: (schema: unknown) => unknown): ReadonlyArray<Catalog.Code> | undefined => {
  if (!Predicate.isRecord(schema)) return undefined
  const members = schema["anyOf"]
  if (Array.isArray(members)) {
    const codes: Array<Catalog.Code> = []
    for (const member of members) {
      const own = codesOfBody(member, resolve)
      if (own === undefined) return undefined
      codes.push(...own)
    }
    return codes
  }
  const target = resolve(schema)
  const fields = Predicate.isRecord(target) ? target["properties"] : undefined
  const tags = Predicate.isRecord(fields) && Predicate.isRecord(fields["_tag"]) ? fields["_tag"]["enum"] : undefined
  const fromClass = Array.isArray(tags) && tags.length === 1 ? codeOfTag.get(tags[0]) : undefined
  if (fromClass !== undefined) return [fromClass]
  const error = schema["properties"]
  const code = Predicate.isRecord(error) && Predicate.isRecord(error["error"]) ? error["error"]["properties"] : undefined
  const values = Predicate.isRecord(code) && Predicate.isRecord(code["code"]) ? code["code"]["enum"] : undefined
  return Array.isArray(values) && values.length > 0 && values.every(isCode) ? values : undefined
}

const jsonSchemaOf = (response: unknown): unknown => {
  const content = Predicate.isRecord(response) ? response["content"] : undefined
  const json = Predicate.isRecord(content) ? content["application/json"] : undefined
  return Predicate.isRecord(json) ? json["schema"] : undefined
}

const isDecodeErrorRef = (u: unknown): boolean =>
  Predicate.isRecord(u) && u["$ref"] === `${schemaRefPrefix}HttpApiDecodeError`

// What the middlewares answer on an operation, whatever its declared errors say: the code of each
// ID in its path, `VALIDATION_ERROR` for a body, `INVALID_INPUT` for query parameters and headers
// (and `MISSING_QUERY` when a query parameter is required), `UNAUTHORIZED` under a security
// scheme, `INTERNAL_ERROR` always.
const answeredByMiddleware = (
  operation: Json,
  pathParameters: ReadonlyArray<unknown>,
  spec: Json,
  resolve: (schema: unknown) => unknown
): ReadonlyArray<Catalog.Code> => {
  const codes: Array<Catalog.Code> = ["INTERNAL_ERROR"]
  const own = operation["parameters"]
  const parameters = [...pathParameters, ...(Array.isArray(own) ? own : [])].filter(Predicate.isRecord)
  for (const parameter of parameters) {
    if (parameter["in"] === "path") {
      const code = Predicate.isRecord(parameter["schema"]) ? idCodeOf(parameter["schema"], resolve) : undefined
      if (code !== undefined) codes.push(code)
    } else if (parameter["in"] === "query") {
      codes.push("INVALID_INPUT")
      if (parameter["required"] === true) codes.push("MISSING_QUERY")
    } else if (parameter["in"] === "header") {
      // A header that does not decode is `INVALID_INPUT` too, its issue's path the header's name.
      codes.push("INVALID_INPUT")
    }
  }
  if (operation["requestBody"] !== undefined) codes.push("VALIDATION_ERROR")
  const security = operation["security"] ?? spec["security"]
  if (Array.isArray(security) && security.some((s) => Predicate.isRecord(s) && Object.keys(s).length > 0)) {
    codes.push("UNAUTHORIZED")
  }
  return codes
}

// The `x-errata-code` an `Ids` schema writes, through `$ref`s and refinements of it (`allOf`).
const idCodeOf = (schema: Json, resolve: (schema: unknown) => unknown): Catalog.Code | undefined => {
  const own = schema["x-errata-code"]
  if (isCode(own)) return own
  const target = typeof schema["$ref"] === "string" ? resolve(schema) : undefined
  if (Predicate.isRecord(target) && target !== schema) return idCodeOf(target, resolve)
  const all = schema["allOf"]
  if (Array.isArray(all)) {
    for (const member of all) {
      const code = Predicate.isRecord(member) ? idCodeOf(member, resolve) : undefined
      if (code !== undefined) return code
    }
  }
  return undefined
}

const statusOrder = (status: string): number => (/^\d{3}$/.test(status) ? Number(status) : 1000)

const rewriteOperation = (
  operation: Json,
  pathParameters: ReadonlyArray<unknown>,
  spec: Json,
  resolve: (schema: unknown) => unknown
): Record<string, unknown> => {
  const responses = Predicate.isRecord(operation["responses"]) ? operation["responses"] : {}
  const codes = new Set<Catalog.Code>(answeredByMiddleware(operation, pathParameters, spec, resolve))
  const others = new Map<string, Array<unknown>>()
  const kept = new Map<string, unknown>()
  for (const [status, response] of Object.entries(responses)) {
    const schema = jsonSchemaOf(response)
    const members: ReadonlyArray<unknown> = Predicate.isRecord(schema) && Array.isArray(schema["anyOf"]) &&
        codesOfBody(schema, resolve) === undefined
      ? schema["anyOf"]
      : [schema]
    let errata = false
    for (const member of members) {
      if (isDecodeErrorRef(member)) {
        errata = true
        continue
      }
      const found = codesOfBody(member, resolve)
      if (found === undefined) continue
      errata = true
      for (const code of found) codes.add(code)
    }
    if (!errata) kept.set(status, response)
    else {
      const rest = members.filter((m) => !isDecodeErrorRef(m) && codesOfBody(m, resolve) === undefined)
      if (rest.length > 0) others.set(status, rest)
    }
  }
  const limited = codes.has("RATE_LIMIT_EXCEEDED")
  const headers = (status: number): Json => ({
    "X-Request-ID": headerRef("X-Request-ID"),
    ...(limited
      ? {
        "X-RateLimit-Limit": headerRef("X-RateLimit-Limit"),
        "X-RateLimit-Remaining": headerRef("X-RateLimit-Remaining"),
        "X-RateLimit-Reset": headerRef("X-RateLimit-Reset")
      }
      : {}),
    // Required on a 429 (SPEC.md §3); a 503 may carry one.
    ...(status === 429
      ? { "Retry-After": { ...headerComponents["Retry-After"], required: true } }
      : status === 503
      ? { "Retry-After": headerRef("Retry-After") }
      : {})
  })
  const out = new Map<string, unknown>()
  for (const [status, response] of kept) {
    if (!Predicate.isRecord(response)) {
      out.set(status, response)
      continue
    }
    // Headers the endpoint declared itself win over errata's of the same name.
    const own = Predicate.isRecord(response["headers"]) ? response["headers"] : {}
    out.set(status, { ...response, headers: { ...headers(Number(status)), ...own } })
  }
  for (const group of byStatus([...codes])) {
    const status = String(Catalog.entries[group[0]].status)
    const wire = wireJsonSchema(group)
    // A status the endpoint declared only its own schema for, and the middleware answers too.
    const ownSchema = kept.has(status) ? jsonSchemaOf(kept.get(status)) : undefined
    const extra = [...(others.get(status) ?? []), ...(ownSchema === undefined ? [] : [ownSchema])]
    out.set(status, {
      description: group.map((code) => `${code}: ${Catalog.entries[code].message}`).join("; "),
      headers: headers(Number(status)),
      content: {
        "application/json": {
          // A non-errata schema declared for the same status stays beside the wire bodies.
          schema: extra.length === 0 ? wire : { anyOf: [...group.map(bodyJsonSchema), ...extra] }
        }
      }
    })
  }
  const sorted = [...out.entries()].sort(([a], [b]) => statusOrder(a) - statusOrder(b))
  return { ...operation, responses: Object.fromEntries(sorted) }
}

const httpMethods = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"])

// The components nothing may refer to once the platform's decode-error body and the catalog
// classes' own schemas are replaced by wire bodies.
const unusedAfterDecodeError: ReadonlyArray<string> = ["HttpApiDecodeError", "Issue", "PropertyKey", ...codeOfTag.keys()].filter(Predicate.isString)

/**
 * An `OpenApi.Transform` for APIs served with errata's middlewares, which makes the document say
 * what the server answers:
 *
 * - the platform's `HttpApiDecodeError` body is removed from every 400 (and its components), as
 *   `ServerErrors.middleware` answers decode failures in the wire format;
 * - every operation lists the codes the middleware answers on it, whatever it declares: the
 *   `INVALID_*_ID` of each `Ids` path parameter, `VALIDATION_ERROR` with a body, `INVALID_INPUT`
 *   with query parameters or headers (and `MISSING_QUERY` when a query parameter is required),
 *   `UNAUTHORIZED` under a security scheme, and `INTERNAL_ERROR`;
 * - each status lists one wire body per code, with the details schema of that code;
 * - every response declares `X-Request-ID`; an operation that can answer `RATE_LIMIT_EXCEEDED`
 *   declares `X-RateLimit-*` on every response, and `Retry-After` on its 429 (required) and 503.
 *
 * @example
 * import { HttpApi, OpenApi } from "@effect/platform"
 * import { CatalogErrors } from "@errata/api"
 *
 * const api = HttpApi.make("api").annotate(OpenApi.Transform, CatalogErrors.withoutDecodeError)
 *
 * @since 0.1.0
 * @category OpenAPI
 */
export const withoutDecodeError = (spec: Json): Record<string, unknown> => {
  const components = Predicate.isRecord(spec["components"]) ? spec["components"] : {}
  const schemas = Predicate.isRecord(components["schemas"]) ? components["schemas"] : {}
  const resolve = (schema: unknown): unknown => {
    const ref = Predicate.isRecord(schema) ? schema["$ref"] : undefined
    return typeof ref === "string" && ref.startsWith(schemaRefPrefix) ? schemas[ref.slice(schemaRefPrefix.length)] : schema
  }
  const out: Record<string, unknown> = { ...spec }
  const paths = spec["paths"]
  if (Predicate.isRecord(paths)) {
    const newPaths: Record<string, unknown> = {}
    for (const [path, item] of Object.entries(paths)) {
      if (!Predicate.isRecord(item)) {
        newPaths[path] = item
        continue
      }
      const pathParameters: ReadonlyArray<unknown> = Array.isArray(item["parameters"]) ? item["parameters"] : []
      const newItem: Record<string, unknown> = {}
      for (const [key, operation] of Object.entries(item)) {
        newItem[key] = httpMethods.has(key) && Predicate.isRecord(operation)
          ? rewriteOperation(operation, pathParameters, spec, resolve)
          : operation
      }
      newPaths[path] = newItem
    }
    out["paths"] = newPaths
  }
  const withoutUnused: Record<string, unknown> = { ...schemas }
  for (const name of unusedAfterDecodeError) delete withoutUnused[name]
  const text = JSON.stringify({ ...out, components: { ...components, schemas: withoutUnused } })
  const newSchemas: Record<string, unknown> = { ...withoutUnused }
  for (const name of unusedAfterDecodeError) {
    if (schemas[name] !== undefined && text.includes(`"${schemaRefPrefix}${name}"`)) newSchemas[name] = schemas[name]
  }
  out["components"] = {
    ...components,
    schemas: newSchemas,
    headers: { ...headerComponents, ...(Predicate.isRecord(components["headers"]) ? components["headers"] : {}) }
  }
  return out
}
