/**
 * Declaring catalog errors on `HttpApi` endpoints, groups and whole APIs. Each status gets one
 * schema: the wire body `{ error: { code, message, details } }` with `code` as the enum of the
 * codes declared for that status, so `HttpApiBuilder` encodes them in the wire format, handlers
 * may fail with them, and the OpenAPI document lists them per status.
 *
 * @example
 * import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "@effect/platform"
 * import { Schema } from "effect"
 * import { CatalogErrors, Ids } from "@errata/server"
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
import * as JSONSchema from "effect/JSONSchema"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

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

// The wire body of the codes `C`, as `schema` encodes it.
interface BodyOf<C extends Catalog.Code> {
  readonly error: { readonly code: C; readonly message: string; readonly details?: unknown }
}

const detailsJsonSchema = (codes: ReadonlyArray<Catalog.Code>): object => {
  const shapes = [...new Set(codes.map((code) => detailsShapes[code] ?? { type: "object" }))]
  return shapes.length === 1 && shapes[0] !== undefined ? shapes[0] : { anyOf: shapes }
}

/**
 * The wire body of a set of codes that share a status, as a schema to and from their classes,
 * annotated with that status. `details` is kept as it is at run time; its documented shape is only
 * written into JSON Schema.
 *
 * @example
 * import { HttpApiSchema } from "@effect/platform"
 * import { CatalogErrors } from "@errata/server"
 * const badRequest = CatalogErrors.schema("VALIDATION_ERROR", "INVALID_INPUT")
 * HttpApiSchema.getStatusError(badRequest) // 400
 *
 * @since 0.1.0
 * @category schemas
 */
export const schema = <const C extends Catalog.Code>(
  ...codes: readonly [C, ...ReadonlyArray<C>]
): Schema.Schema<ApiError.ApiErrorOf<C>, BodyOf<C>> => {
  const entries = codes.map((code) => Catalog.entries[code])
  const known = new Set<string>(codes)
  const from = Schema.Struct({
    error: Schema.Struct({
      code: Schema.Literal(...codes),
      message: Schema.String,
      details: Schema.optional(Schema.Unknown.annotations({ jsonSchema: detailsJsonSchema(codes) }))
    })
  })
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
    title: entries.map((e) => e.tag).join(" | "),
    description: entries.map((e) => `${e.code}: ${e.message}`).join("; "),
    // What `HttpApiSchema.annotations({ status })` writes, on the same node. Codes of different
    // statuses get none (`add` groups them by status first).
    ...(statuses.length === 1 && statuses[0] !== undefined
      ? { [HttpApiSchema.AnnotationStatus]: statuses[0] }
      : {})
  })
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
 * import { CatalogErrors } from "@errata/server"
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
 * import { CatalogErrors } from "@errata/server"
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

const decodeErrorRef = "#/components/schemas/HttpApiDecodeError"
const issueRef = "#/components/schemas/Issue"

const isDecodeErrorRef = (u: unknown): boolean => Predicate.isRecord(u) && u["$ref"] === decodeErrorRef

// What a decode failure becomes once `ServerErrors.middleware` has classified it.
const inputErrors = schema(
  "VALIDATION_ERROR",
  "INVALID_INPUT",
  "MISSING_QUERY",
  "INVALID_MESSAGE_ID",
  "INVALID_CONTACT_ID",
  "INVALID_BUSINESS_ID"
)

const withoutDecodeErrorIn = (
  response: Readonly<Record<string, unknown>>,
  fallback: Readonly<Record<string, unknown>>
): Record<string, unknown> => {
  const content = response["content"]
  if (!Predicate.isRecord(content)) return { ...response }
  const json = content["application/json"]
  if (!Predicate.isRecord(json)) return { ...response }
  const current = json["schema"]
  let replaced: unknown = current
  if (isDecodeErrorRef(current)) replaced = fallback
  else if (Predicate.isRecord(current) && Array.isArray(current["anyOf"])) {
    const members: ReadonlyArray<unknown> = current["anyOf"]
    const kept = members.filter((m) => !isDecodeErrorRef(m))
    replaced = kept.length === members.length ? current : kept.length === 1 ? kept[0] : { ...current, anyOf: kept }
  }
  if (replaced === current) return { ...response }
  const description = Predicate.isRecord(replaced) && typeof replaced["description"] === "string"
    ? replaced["description"]
    : response["description"]
  return { ...response, description, content: { ...content, "application/json": { ...json, schema: replaced } } }
}

/**
 * An `OpenApi.Transform` for APIs served with `ServerErrors.middleware`: the platform declares its
 * `HttpApiDecodeError` body on every endpoint's 400, but the middleware answers decode failures in
 * the wire format, so this removes it from every response (an endpoint without errata 400 codes
 * gets the wire schema of the input codes instead) and drops the unused components.
 *
 * @example
 * import { HttpApi, OpenApi } from "@effect/platform"
 * import { CatalogErrors } from "@errata/server"
 *
 * const api = HttpApi.make("api").annotate(OpenApi.Transform, CatalogErrors.withoutDecodeError)
 *
 * @since 0.1.0
 * @category OpenAPI
 */
export const withoutDecodeError = (spec: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  const fallback = JSONSchema.make(Schema.encodedSchema(inputErrors))
  const { $schema: _, ...fallbackSchema } = fallback
  const paths = spec["paths"]
  const out: Record<string, unknown> = { ...spec }
  if (Predicate.isRecord(paths)) {
    const newPaths: Record<string, unknown> = {}
    for (const [path, item] of Object.entries(paths)) {
      if (!Predicate.isRecord(item)) {
        newPaths[path] = item
        continue
      }
      const newItem: Record<string, unknown> = {}
      for (const [method, operation] of Object.entries(item)) {
        const responses = Predicate.isRecord(operation) ? operation["responses"] : undefined
        if (!Predicate.isRecord(operation) || !Predicate.isRecord(responses)) {
          newItem[method] = operation
          continue
        }
        const newResponses: Record<string, unknown> = {}
        for (const [status, response] of Object.entries(responses)) {
          newResponses[status] = Predicate.isRecord(response) ? withoutDecodeErrorIn(response, fallbackSchema) : response
        }
        newItem[method] = { ...operation, responses: newResponses }
      }
      newPaths[path] = newItem
    }
    out["paths"] = newPaths
  }
  const components = spec["components"]
  const schemas = Predicate.isRecord(components) ? components["schemas"] : undefined
  if (Predicate.isRecord(components) && Predicate.isRecord(schemas)) {
    const { HttpApiDecodeError: _decodeError, ...rest } = schemas
    const stillUsesIssue = JSON.stringify({ ...out, components: { ...components, schemas: rest } }).includes(`"${issueRef}"`)
    const { Issue: _issue, ...withoutIssue } = rest
    out["components"] = { ...components, schemas: stillUsesIssue ? rest : withoutIssue }
  }
  return out
}
