/**
 * Declaring catalog errors on `HttpApi` endpoints, groups and whole APIs. Each status gets one
 * schema: a union of the wire bodies `{ error: { code, message, details } }` of the codes declared
 * for that status (one body per code, `Wire.schema` of each), so `HttpApiBuilder` encodes them in
 * the wire format, handlers may fail with them, and the OpenAPI document lists them per status.
 *
 * Effect 4 declares an endpoint's errors in its constructor (`error: ...`, where `schemas(...codes)`
 * gives them, as for a middleware's `error`) and has no method that adds errors to an endpoint,
 * group or API built already. `add` builds the endpoint again with the public constructor, from the
 * endpoint's own schemas and the new ones (the constructor's codecs leave schemas that are codecs
 * already as they are), with its middlewares and annotations; on a group or an API it does so for
 * every endpoint they hold, as their `middleware` does.
 *
 * @example
 * import { Schema } from "effect"
 * import { HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
 * import { CatalogErrors, Ids } from "errata/api"
 *
 * class Contacts extends HttpApiGroup.make("contacts")
 *   .add(
 *     HttpApiEndpoint.get("getContact", "/contacts/:contactId", {
 *       params: { contactId: Ids.ContactId },
 *       success: Schema.Struct({ name: Schema.String })
 *     }).pipe(CatalogErrors.add("NOT_FOUND", "INVALID_CONTACT_ID"))
 *   )
 *   .pipe(CatalogErrors.add("UNAUTHORIZED", "RATE_LIMIT_EXCEEDED", "INTERNAL_ERROR")) {}
 *
 * @since 0.1.0
 */
import * as OpenApiErrors from "@errata/dialect/OpenApiErrors"
import type { NonEmptyReadonlyArray } from "effect/Array"
import { dual } from "effect/Function"
import * as HttpApi from "effect/http-api/HttpApi"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import type * as HttpRouter from "effect/http/HttpRouter"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import type * as ApiError from "../ApiError.js"
import * as Catalog from "../Catalog.js"
import * as Wire from "../Wire.js"

/**
 * The wire body of the codes `C`, as `schema` encodes and decodes it.
 *
 * @example
 * import type { CatalogErrors } from "errata/api"
 * const body: CatalogErrors.WireBody<"NOT_FOUND"> = { error: { code: "NOT_FOUND", message: "Contact not found" } }
 *
 * @since 0.1.0
 * @category models
 */
export interface WireBody<C extends Catalog.Code> {
  readonly error: { readonly code: C; readonly message: string; readonly details?: unknown }
}

/**
 * The error schema `schema(...codes)` returns: the wire body of the codes, to and from their
 * classes.
 *
 * @example
 * import { Schema } from "effect"
 * import { CatalogErrors } from "errata/api"
 * const notFound: CatalogErrors.ErrorSchema<"NOT_FOUND"> = CatalogErrors.schema("NOT_FOUND")
 * Schema.decodeUnknownSync(notFound)({ error: { code: "NOT_FOUND", message: "gone" } }).status // 404
 *
 * @since 0.1.0
 * @category models
 */
export interface ErrorSchema<C extends Catalog.Code> extends Schema.Codec<ApiError.ApiErrorOf<C>, WireBody<C>> {}

// Distinct codes, in the order given, and the status they share (when they share one).
const distinct = <C extends Catalog.Code>(codes: NonEmptyReadonlyArray<C>): NonEmptyReadonlyArray<C> => {
  const [first, ...rest] = codes
  const out: [C, ...Array<C>] = [first]
  for (const code of rest) if (!out.includes(code)) out.push(code)
  return out
}

// The codes grouped by status, in the catalog's order.
const byStatus = <C extends Catalog.Code>(codes: ReadonlyArray<C>): ReadonlyArray<readonly [C, ...Array<C>]> => {
  const order = (code: C) => Catalog.codes.indexOf(code)
  const groups = new Map<number, [C, ...Array<C>]>()
  for (const code of [...new Set(codes)].sort((a, b) => order(a) - order(b))) {
    const status = Catalog.entries[code].status
    const group = groups.get(status)
    if (group === undefined) groups.set(status, [code])
    else group.push(code)
  }
  return [...groups.values()]
}

/**
 * The wire body of a set of codes, as a schema to and from their classes: `Wire.schema` of each
 * code (one body per code, so OpenAPI documents each), a union when there are several, annotated
 * with their status when they share one (`add` groups codes by status first). `details` is kept
 * as it is at run time.
 *
 * @example
 * import { Schema } from "effect"
 * import { CatalogErrors } from "errata/api"
 * const badRequest = CatalogErrors.schema("VALIDATION_ERROR", "INVALID_INPUT")
 * Schema.decodeUnknownSync(badRequest)({ error: { code: "INVALID_INPUT", message: "Bad limit" } })._tag // "InvalidInput"
 *
 * @since 0.1.0
 * @category schemas
 */
export const schema = <const C extends Catalog.Code>(...codes: readonly [C, ...ReadonlyArray<C>]): ErrorSchema<C> => {
  const unique = distinct(codes)
  const entries = unique.map((code) => Catalog.entries[code])
  const statuses = new Set(entries.map((entry) => entry.status))
  const [status] = statuses
  const [one, ...more] = unique
  const annotations = {
    title: entries.map((entry) => entry.tag).join(" | "),
    description: entries.map((entry) => `${entry.code}: ${entry.message}`).join("; "),
    // Codes of different statuses get none: `add` groups them by status first.
    ...(statuses.size === 1 && status !== undefined ? { httpApiStatus: status } : {})
  }
  if (more.length === 0) return Wire.schema(one).annotate(annotations)
  return Schema.Union(unique.map((code) => Wire.schema(code))).annotate(annotations)
}

/**
 * The wire bodies of any codes, as `HttpApi` takes errors in an endpoint's or a middleware's
 * `error` option: one `schema` per status (Effect 4 reads one status per error schema, so codes of
 * different statuses need one schema each). What `add` adds, for endpoints being built.
 *
 * @example
 * import { Schema } from "effect"
 * import { HttpApiEndpoint, HttpApiMiddleware, HttpApiSecurity } from "effect/http-api"
 * import { CatalogErrors } from "errata/api"
 *
 * const getContact = HttpApiEndpoint.get("getContact", "/contacts/:id", {
 *   success: Schema.String,
 *   error: CatalogErrors.schemas("NOT_FOUND", "INVALID_CONTACT_ID")
 * })
 * class Auth extends HttpApiMiddleware.Service<Auth>()("Auth", {
 *   error: CatalogErrors.schemas("UNAUTHORIZED", "INSUFFICIENT_PERMISSIONS"),
 *   security: { bearer: HttpApiSecurity.bearer }
 * }) {}
 *
 * @since 0.1.0
 * @category schemas
 */
export const schemas = <const C extends Catalog.Code>(
  ...codes: readonly [C, ...ReadonlyArray<C>]
): readonly [ErrorSchema<C>, ...Array<ErrorSchema<C>>] => {
  const [first, ...rest] = byStatus(codes).map((group): ErrorSchema<C> => schema(...group))
  // `codes` is not empty, so neither are its groups.
  return first === undefined ? [schema(...codes)] : [first, ...rest]
}

const codeByTag: ReadonlyMap<string, Catalog.Code> = new Map(Catalog.all.map((entry) => [entry.tag, entry.code]))

const isCode = (u: unknown): u is Catalog.Code => typeof u === "string" && Object.hasOwn(Catalog.entries, u)

const propertyType = (ast: SchemaAST.AST, name: string): SchemaAST.AST | undefined =>
  ast._tag === "Objects" ? ast.propertySignatures.find((p) => p.name === name)?.type : undefined

const literalsOf = (ast: SchemaAST.AST | undefined): ReadonlyArray<unknown> => {
  if (ast === undefined) return []
  if (ast._tag === "Literal") return [ast.literal]
  if (ast._tag === "Union") return ast.types.flatMap(literalsOf)
  return []
}

/**
 * The catalog codes an error schema stands for, read from what it puts on the wire: a wire body
 * (`schema`, `Wire.schema`, one of the user's own) by the literals of its `error.code`, a catalog
 * class declared as it is (`error: ApiError.NotFound`) by its `_tag`, and every member of a union
 * of them. For what reads an API definition: errata's client narrows each endpoint's errors with
 * it.
 *
 * @example
 * import { Schema } from "effect"
 * import { ApiError } from "errata"
 * import { CatalogErrors } from "errata/api"
 * CatalogErrors.codesOf(Schema.Union([CatalogErrors.schema("NOT_FOUND"), ApiError.Unauthorized])) // ["NOT_FOUND", "UNAUTHORIZED"]
 *
 * @since 0.1.0
 * @category getters
 */
export const codesOf = (self: Schema.Top | SchemaAST.AST): ReadonlyArray<Catalog.Code> => {
  const codes = new Set<Catalog.Code>()
  const visit = (ast: SchemaAST.AST): void => {
    if (ast._tag === "Union") return ast.types.forEach(visit)
    if (ast._tag === "Suspend") return visit(ast.thunk())
    const encoded = SchemaAST.toEncoded(ast)
    if (encoded._tag === "Union") return encoded.types.forEach(visit)
    const error = propertyType(encoded, "error")
    const fromBody = error === undefined ? [] : literalsOf(propertyType(error, "code"))
    for (const code of fromBody) if (isCode(code)) codes.add(code)
    for (const tag of literalsOf(propertyType(encoded, "_tag"))) {
      const code = typeof tag === "string" ? codeByTag.get(tag) : undefined
      if (code !== undefined) codes.add(code)
    }
  }
  visit(Schema.isSchema(self) ? self.ast : self)
  return [...codes]
}

// What errors can be added to.
type Target = HttpApiEndpoint.Constraint | HttpApiGroup.Constraint | HttpApi.Constraint

type AddToEndpoint<Endpoint, S extends Schema.Top> = Endpoint extends HttpApiEndpoint.HttpApiEndpoint<
  infer Identifier,
  infer Method,
  infer Path,
  infer Params,
  infer Query,
  infer Payload,
  infer Headers,
  infer Success,
  infer Error,
  infer Middleware,
  infer MiddlewareServices
> ? HttpApiEndpoint.HttpApiEndpoint<
    Identifier,
    Method,
    Path,
    Params,
    Query,
    Payload,
    Headers,
    Success,
    Error | S,
    Middleware,
    MiddlewareServices
  >
  : never

type AddToGroup<Group, S extends Schema.Top> = Group extends
  HttpApiGroup.HttpApiGroup<infer Id, infer Endpoints, infer TopLevel>
  ? HttpApiGroup.HttpApiGroup<Id, AddToEndpoint<Endpoints, S>, TopLevel>
  : never

/**
 * The endpoint, group or API `Self` with the error schema `S` added to every endpoint it holds.
 *
 * @example
 * import { HttpApiEndpoint } from "effect/http-api"
 * import type { CatalogErrors } from "errata/api"
 * type Get = CatalogErrors.WithErrors<HttpApiEndpoint.HttpApiEndpoint<"get", "GET", "/">, CatalogErrors.ErrorSchema<"NOT_FOUND">>
 *
 * @since 0.1.0
 * @category models
 */
export type WithErrors<Self, S extends Schema.Top> = [AddToEndpoint<Self, S>] extends [never]
  ? [AddToGroup<Self, S>] extends [never]
    ? Self extends HttpApi.HttpApi<infer Id, infer Groups> ? HttpApi.HttpApi<Id, AddToGroup<Groups, S>> : never
  : AddToGroup<Self, S>
  : AddToEndpoint<Self, S>

// The options `HttpApiEndpoint.make` is given to build an endpoint again: its own schemas (which
// passed the constructor's checks when it was built, and which its codecs leave as they are, being
// codecs already), and the errors added.
const optionsOf = (endpoint: HttpApiEndpoint.Top, errors: ReadonlyArray<Schema.Top>) => {
  const payload = [...endpoint.payload.values()].flatMap((entry): ReadonlyArray<Schema.Top> => entry.schemas)
  return {
    ...(endpoint.params === undefined ? {} : { params: endpoint.params }),
    ...(endpoint.query === undefined ? {} : { query: endpoint.query }),
    ...(endpoint.headers === undefined ? {} : { headers: endpoint.headers }),
    ...(payload.length === 0 ? {} : { payload }),
    ...(endpoint.success.size === 0 ? {} : { success: [...endpoint.success] }),
    error: [...endpoint.error, ...errors]
  }
}

// `HttpApiEndpoint.make(method)`, its two overloads (codecs on and off) seen as one function of
// an endpoint's own values.
type Make = (
  identifier: string,
  path: HttpRouter.PathInput,
  options: ReturnType<typeof optionsOf> & { readonly disableCodecs: boolean }
) => HttpApiEndpoint.Top

const addToEndpoint = (endpoint: HttpApiEndpoint.Top, errors: ReadonlyArray<Schema.Top>): HttpApiEndpoint.Top => {
  // Boundary: `make` types each option by what its caller passes, and `Top` widens what an endpoint
  // holds; the options here are the endpoint's own, read back from it (its path a `PathInput`, its
  // schemas those its constructor checked), and the errors added are schemas like any other.
  const make = HttpApiEndpoint.make(endpoint.method) as unknown as Make
  const path = endpoint.path as HttpRouter.PathInput
  let rebuilt = make(endpoint.identifier, path, { ...optionsOf(endpoint, errors), disableCodecs: endpoint.disableCodecs })
    .annotateMerge(endpoint.annotations)
  for (const middleware of endpoint.middlewares) rebuilt = rebuilt.middleware(middleware)
  return rebuilt
}

const addToGroup = (group: HttpApiGroup.Top, errors: ReadonlyArray<Schema.Top>): HttpApiGroup.Top => {
  const [first, ...rest] = Object.values(group.endpoints).map((endpoint) => addToEndpoint(endpoint, errors))
  if (first === undefined) return group
  return HttpApiGroup.make(group.identifier, { topLevel: group.topLevel }).add(first, ...rest).annotateMerge(
    group.annotations
  )
}

const addToApi = (api: HttpApi.Top, errors: ReadonlyArray<Schema.Top>): HttpApi.Top => {
  const [first, ...rest] = Object.values(api.groups).map((group) => addToGroup(group, errors))
  if (first === undefined) return api
  return HttpApi.make(api.identifier).add(first, ...rest).annotateMerge(api.annotations)
}

const addErrors = (self: Target, codes: readonly [Catalog.Code, ...ReadonlyArray<Catalog.Code>]): Target => {
  const errors = schemas(...codes)
  if (HttpApiEndpoint.isHttpApiEndpoint(self)) return addToEndpoint(self, errors)
  if (HttpApiGroup.isHttpApiGroup(self)) return addToGroup(self, errors)
  if (HttpApi.isHttpApi(self)) return addToApi(self, errors)
  return self
}

/**
 * Adds catalog errors to an endpoint, a group (every endpoint it holds) or an API (every endpoint
 * of every group), each code with its status: one `schema` per status. Pipeable:
 * `endpoint.pipe(CatalogErrors.add("NOT_FOUND"))`, or data first:
 * `CatalogErrors.add(endpoint, "NOT_FOUND")`. As with Effect's own `middleware` on groups and
 * APIs, endpoints added later do not get them.
 *
 * @example
 * import { Schema } from "effect"
 * import { HttpApiEndpoint } from "effect/http-api"
 * import { CatalogErrors } from "errata/api"
 *
 * const listContacts = HttpApiEndpoint.get("listContacts", "/contacts", {
 *   query: { q: Schema.String },
 *   success: Schema.Array(Schema.String)
 * }).pipe(CatalogErrors.add("INVALID_INPUT", "MISSING_QUERY"))
 *
 * @since 0.1.0
 * @category combinators
 */
export const add: {
  <const C extends Catalog.Code>(
    ...codes: readonly [C, ...ReadonlyArray<C>]
  ): <Self extends Target>(self: Self) => WithErrors<Self, ErrorSchema<C>>
  <Self extends Target, const C extends Catalog.Code>(
    self: Self,
    ...codes: readonly [C, ...ReadonlyArray<C>]
  ): WithErrors<Self, ErrorSchema<C>>
} = dual(
  (args) => typeof args[0] !== "string",
  <Self extends Target, C extends Catalog.Code>(self: Self, ...codes: readonly [C, ...ReadonlyArray<C>]): WithErrors<Self, ErrorSchema<C>> =>
    // Boundary: `addErrors` returns the same kind of value it was given, built by the platform's
    // own constructors, with the errors added, which is what `WithErrors` spells out; TypeScript
    // cannot follow that through the guards.
    addErrors(self, codes) as WithErrors<Self, ErrorSchema<C>>
)

const allCodes: readonly [Catalog.Code, ...Array<Catalog.Code>] = [
  "UNAUTHORIZED",
  ...Catalog.codes.filter((code) => code !== "UNAUTHORIZED")
]

/**
 * Adds all twelve catalog errors.
 *
 * @example
 * import { HttpApi } from "effect/http-api"
 * import { CatalogErrors } from "errata/api"
 * const api = HttpApi.make("api").pipe(CatalogErrors.addAll)
 *
 * @since 0.1.0
 * @category combinators
 */
export const addAll = <Self extends Target>(self: Self): WithErrors<Self, ErrorSchema<Catalog.Code>> =>
  add(self, ...allCodes)

/**
 * An `OpenApi.Transform` for APIs served with errata's middleware, which makes the document say
 * what the server answers:
 *
 * - every operation lists the codes the middleware answers on it, whatever it declares: the
 *   `INVALID_*_ID` of each `Ids` path parameter, `VALIDATION_ERROR` with a body, `INVALID_INPUT`
 *   with query parameters or headers (and `MISSING_QUERY` when a query parameter is required),
 *   `UNAUTHORIZED` under a security scheme, and `INTERNAL_ERROR`;
 * - each status lists one wire body per code, with the details schema of that code, also for a
 *   catalog class declared as it is (whose own fields the document would show otherwise); the
 *   components nothing refers to any more go;
 * - every response declares `X-Request-ID`; an operation that can answer `RATE_LIMIT_EXCEEDED`
 *   declares `X-RateLimit-*` on every response, and `Retry-After` on its 429 (required) and 503.
 *
 * Effect 4 declares no response of its own for requests that fail to decode (Effect 3 declared an
 * `HttpApiDecodeError` body, which the transform removed, hence its name); what the middleware
 * answers for them is declared here instead.
 *
 * @example
 * import { HttpApi, OpenApi } from "effect/http-api"
 * import { CatalogErrors } from "errata/api"
 *
 * const api = HttpApi.make("api").annotate(OpenApi.Transform, CatalogErrors.withoutDecodeError)
 *
 * @since 0.1.0
 * @category OpenAPI
 */
export const withoutDecodeError = (spec: Record<string, unknown>): Record<string, unknown> => OpenApiErrors.rewrite(spec)
