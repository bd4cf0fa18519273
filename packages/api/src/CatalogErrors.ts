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
import * as OpenApiErrors from "@errata/dialect/OpenApiErrors"
import { ApiError, Catalog, Wire } from "@errata/core"
import { dual } from "effect/Function"
import * as ParseResult from "effect/ParseResult"
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
  }).annotations({ jsonSchema: OpenApiErrors.wireJsonSchema(codes) })
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
export const withoutDecodeError = (spec: Readonly<Record<string, unknown>>): Record<string, unknown> =>
  OpenApiErrors.rewrite({ ...spec }, ["HttpApiDecodeError"])
