/**
 * What errata answers a failed request with. Only errata's errors and the platform failures it
 * knows are answered with something other than `INTERNAL_ERROR`; anything else is a bug, and bugs
 * are logged, never described to the client.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HttpMethod from "effect/http/HttpMethod"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerError from "effect/http/HttpServerError"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as HttpApiError from "effect/http-api/HttpApiError"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import type * as SchemaIssue from "effect/SchemaIssue"
import * as ApiError from "../../ApiError.js"
import * as Body from "./body.js"
import * as Issues from "./issues.js"

/** @internal */
export type Outcome =
  | { readonly _tag: "Error"; readonly error: ApiError.ApiError }
  | { readonly _tag: "Response"; readonly response: HttpServerResponse.HttpServerResponse }
  | { readonly _tag: "Internal" }
  | { readonly _tag: "ClientGone" }

const internal: Outcome = { _tag: "Internal" }
const clientGone: Outcome = { _tag: "ClientGone" }
const answer = (error: ApiError.ApiError): Outcome => ({ _tag: "Error", error })

const isRequestParseError = (u: unknown): u is HttpServerError.HttpServerError =>
  HttpServerError.isHttpServerError(u) && u.reason._tag === "RequestParseError"

const isRouteNotFound = (u: unknown): boolean => HttpServerError.isHttpServerError(u) && u.reason._tag === "RouteNotFound"

// The request's own parts that failed to decode: its fault, answered in the catalog. `Body` and
// `ResponseHeaders` are the server's response that failed to encode: a bug.
const isRequestSchemaError = (u: unknown): u is HttpApiError.HttpApiSchemaError =>
  HttpApiError.HttpApiSchemaError.is(u) && u.kind !== "Body" && u.kind !== "ResponseHeaders"

// Defects that are not bugs: an errata error or a response thrown on purpose (the platform answers
// a thrown `Respondable` too), and the failures `HttpApiBuilder` turns into defects: a request part
// that did not decode, and a body that could not be read.
const isDeliberateDefect = (u: unknown): boolean =>
  ApiError.isApiError(u) || HttpServerResponse.isHttpServerResponse(u) || isRequestSchemaError(u) ||
  isRequestParseError(u) || Body.refusalOf(u) !== undefined

// The platform's `HttpApiError`s carry nothing but a status; those with a catalog meaning are
// answered with it (a method not allowed is NOT_FOUND, as for the router), the rest are bugs.
const fromHttpApiError = (u: unknown): ApiError.ApiError | undefined => {
  if (u instanceof HttpApiError.BadRequest) return new ApiError.InvalidInput()
  if (u instanceof HttpApiError.Unauthorized) return new ApiError.Unauthorized()
  if (u instanceof HttpApiError.Forbidden) return new ApiError.InsufficientPermissions()
  if (u instanceof HttpApiError.NotFound || u instanceof HttpApiError.MethodNotAllowed) return new ApiError.NotFound()
  if (u instanceof HttpApiError.ServiceUnavailable) return new ApiError.ServiceUnavailable()
  return undefined
}

const fromRequestParseError = (error: HttpServerError.HttpServerError): ApiError.ApiError => {
  const cause = error.reason._tag === "RequestParseError" ? error.reason.cause : undefined
  return cause instanceof SyntaxError ? Issues.notJsonError() : Issues.unreadableBodyError()
}

const rootAst = (issue: SchemaIssue.Issue): SchemaAST.AST | undefined => {
  switch (issue._tag) {
    case "Composite":
    case "AnyOf":
    case "InvalidType":
    case "Encoding":
    case "UnexpectedKey":
      return issue.ast
    default:
      return undefined
  }
}

/**
 * The issue of a failed decode, again, with every failing field: the platform decodes request
 * parts with its default options, which stop at the first failure, and SPEC.md §3 wants one issue
 * per failing field. Only requests that already failed get here, so the success path pays nothing.
 * The schema is the one that failed (the root of its issue), the input the same part of the same
 * request. Should that decode need a service the middleware does not have, the first issue is used.
 */
const everyIssue = (issue: SchemaIssue.Issue, input: unknown): Effect.Effect<SchemaIssue.Issue> => {
  const ast = rootAst(issue)
  if (ast === undefined) return Effect.succeed(issue)
  // Boundary: the schema is rebuilt from its AST, so its services are not known; the type says
  // none, and a decode that needs one fails with a defect, which gives back the first issue.
  const decode = Schema.decodeUnknownEffect(Schema.make<Schema.Codec<unknown>>(ast))
  return Effect.map(Effect.exit(decode(input, { errors: "all" })), (exit) => {
    if (Exit.isSuccess(exit)) return issue
    return Option.match(Cause.findErrorOption(exit.cause), { onNone: () => issue, onSome: (error) => error.issue })
  })
}

// The router leaves the route it found in the request fiber's context, but a middleware between
// errata's and the router that provides a service (`Effect.provideService`) puts its own context
// back when the route ends: then the route is unknown here, and the path's issue is the
// builder's own, which has the failing key (so the code) but not the value.
const pathErrorOf = (issue: SchemaIssue.Issue): Effect.Effect<ApiError.ApiError> =>
  Effect.flatMap(
    Effect.serviceOption(HttpRouter.RouteContext),
    Option.match({
      onNone: () => Effect.succeed(Issues.pathError(issue, {})),
      onSome: ({ params }) => Effect.map(everyIssue(issue, params), (all) => Issues.pathError(all, params))
    })
  )

// The query as the router parsed it, or, where a middleware hid that (see `pathErrorOf`), as the
// request's URL has it, parsed the same way.
const searchParams: Effect.Effect<Readonly<Record<string, string | ReadonlyArray<string>>>, never, HttpServerRequest.HttpServerRequest> =
  Effect.flatMap(
    Effect.serviceOption(HttpServerRequest.ParsedSearchParams),
    Option.match({
      onSome: Effect.succeed,
      onNone: () =>
        Effect.map(HttpServerRequest.HttpServerRequest, (request) => {
          // Only the query is parsed, under a fixed origin: a request target of any shape parses.
          const at = request.url.indexOf("?")
          return at < 0 ? {} : HttpServerRequest.searchParamsFromURL(new URL(`http://localhost/${request.url.slice(at)}`))
        })
    })
  )

// The root of a payload's issue is a bare `InvalidValue` only when the text was not JSON: errata's
// reader handed the builder text that is UTF-8, not too large and not too deep, and a schema's own
// failures sit inside an `AnyOf`, a `Composite` or a check.
const isNotJson = (issue: SchemaIssue.Issue): boolean => issue._tag === "InvalidValue"

/**
 * The catalog error for a request part `HttpApiBuilder` failed to decode, told by its `kind`. The
 * route's raw parameters, the parsed query and the body are the request's (the router leaves the
 * route it found in the request's context until the response is sent).
 */
const fromSchemaError = (
  error: HttpApiError.HttpApiSchemaError
): Effect.Effect<ApiError.ApiError, never, HttpServerRequest.HttpServerRequest> => {
  const issue = error.cause.issue
  switch (error.kind) {
    case "Params":
      return pathErrorOf(issue)
    case "Query":
      return Effect.flatMap(searchParams, (query) => Effect.map(everyIssue(issue, query), Issues.queryError))
    case "Headers":
      return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
        Effect.map(everyIssue(issue, request.headers), Issues.inputError))
    default:
      return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
        // A payload of a method without a body is read from the query string.
        if (!HttpMethod.hasBody(request.method)) {
          return Effect.flatMap(searchParams, (query) => Effect.map(everyIssue(issue, query), Issues.queryError))
        }
        if (isNotJson(issue)) return Effect.succeed(Issues.notJsonError())
        return Effect.matchEffect(Body.json, {
          onFailure: (refusal) => Effect.succeed<ApiError.ApiError>(refusal),
          onSuccess: (body) => Effect.map(everyIssue(issue, body), Issues.bodyError)
        })
      })
  }
}

const outcomeOfValue = (value: unknown): Effect.Effect<Outcome, never, HttpServerRequest.HttpServerRequest> => {
  if (ApiError.isApiError(value)) return Effect.succeed(answer(value))
  if (HttpServerResponse.isHttpServerResponse(value)) return Effect.succeed<Outcome>({ _tag: "Response", response: value })
  if (isRouteNotFound(value)) return Effect.succeed(answer(new ApiError.NotFound()))
  // A body errata's readers refused (too large, not JSON, not UTF-8, too deep): the refusal.
  const refusal = Body.refusalOf(value)
  if (refusal !== undefined) return Effect.succeed(answer(refusal))
  if (isRequestParseError(value)) return Effect.succeed(answer(fromRequestParseError(value)))
  if (isRequestSchemaError(value)) return Effect.map(fromSchemaError(value), answer)
  const mapped = fromHttpApiError(value)
  return Effect.succeed(mapped === undefined ? internal : answer(mapped))
}

/**
 * Whether the request ended only because its client hung up: the platform interrupts the request
 * fiber with the `HttpServerError.ClientAbort` annotation when the connection closes before the
 * response is written. Nobody is left to answer, and anyone can do it at will: it is no server
 * error.
 *
 * @internal
 */
export const isClientAbort = (cause: Cause.Cause<unknown>): boolean =>
  cause.reasons.length > 0 && cause.reasons.every(Cause.isInterruptReason) &&
  cause.reasons.some((reason) => reason.annotations.has(HttpServerError.ClientAbort.key))

// Interruption alone, by another fiber than the request's own and not by its client: the server is
// stopping (its scope closes, in-flight requests are cut short). Temporary, as far as the client can
// tell: SERVICE_UNAVAILABLE, which it may retry. A request that interrupted itself (a handler that
// gave up, a child it interrupted and joined) is a bug like any other.
const isStopping = (cause: Cause.Cause<unknown>, self: number): boolean =>
  cause.reasons.length > 0 &&
  cause.reasons.every((reason) => Cause.isInterruptReason(reason) && reason.fiberId !== undefined && reason.fiberId !== self)

/**
 * The outcome of a failed request. Any defect that is a bug wins over every failure; interruption
 * by the request itself is `INTERNAL_ERROR` (the client is still there, and gets an answer), by the
 * server stopping `SERVICE_UNAVAILABLE`, by the client hanging up no error at all.
 *
 * @internal
 */
export const outcomeOf = (
  cause: Cause.Cause<unknown>
): Effect.Effect<Outcome, never, HttpServerRequest.HttpServerRequest> =>
  Effect.withFiber((fiber) => {
    if (isClientAbort(cause)) return Effect.succeed(clientGone)
    let failure: Cause.Fail<unknown> | undefined
    let defect: Cause.Die | undefined
    for (const reason of cause.reasons) {
      if (Cause.isFailReason(reason)) failure ??= reason
      else if (Cause.isDieReason(reason)) {
        if (!isDeliberateDefect(reason.defect)) return Effect.succeed(internal)
        defect ??= reason
      }
    }
    if (failure !== undefined) return outcomeOfValue(failure.error)
    if (defect !== undefined) return outcomeOfValue(defect.defect)
    if (isStopping(cause, fiber.id)) return Effect.succeed(answer(new ApiError.ServiceUnavailable()))
    return Effect.succeed(internal)
  })
