/**
 * `HttpApiBuilder` decodes path, payload, headers and query of a request in one effect and turns
 * any failure into one `HttpApiDecodeError` that does not say which part failed. To answer with
 * the right code, errata finds the endpoint the request was routed to (with a router built from the
 * same endpoints, so the match is the builder's) and decodes the parts again, one by one, in the
 * builder's order. This only runs for requests that already failed to decode: the success path
 * pays nothing.
 *
 * @internal
 */
import type * as HttpApi from "@effect/platform/HttpApi"
import type * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import type * as HttpApiError from "@effect/platform/HttpApiError"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpMethod from "@effect/platform/HttpMethod"
import * as HttpRouter from "@effect/platform/HttpRouter"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as UrlParams from "@effect/platform/UrlParams"
import { ApiError } from "@errata/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Input from "./input.js"
import * as Router from "./router.js"

class OriginalError extends Context.Tag("@errata/server/internal/httpApi/OriginalError")<
  OriginalError,
  HttpApiError.HttpApiDecodeError
>() {}

const allErrors = { errors: "all", onExcessProperty: "ignore" } as const

type Classifier = HttpApp.Default<ApiError.ApiError | HttpServerError.RouteNotFound, OriginalError>

type ClassifyContext =
  | HttpServerRequest.HttpServerRequest
  | HttpServerRequest.ParsedSearchParams
  | HttpRouter.RouteContext
  | OriginalError

type Api = Context.Tag.Service<HttpApi.Api>

const decodeWith = <R>(
  schema: Option.Option<Schema.Schema<unknown, unknown, R>>,
  input: unknown
): Effect.Effect<Option.Option<ParseResult.ParseIssue>, never, R> =>
  Option.match(schema, {
    onNone: () => Effect.succeed(Option.none()),
    onSome: (s) =>
      Effect.map(Effect.either(Schema.decodeUnknown(s, allErrors)(input)), (result) =>
        Either.isLeft(result) ? Option.some(result.left.issue) : Option.none())
  })

type Payload = { readonly _tag: "Query"; readonly value: unknown } | { readonly _tag: "Body"; readonly value: unknown } | {
  readonly _tag: "Unreadable"
}

// Reads the payload the way the builder does. Node caches the body text, so this reads what the
// builder read; a body that cannot be read again (multipart, binary, a consumed web stream) is
// left to elimination below.
const readPayload = (
  request: HttpServerRequest.HttpServerRequest,
  query: Readonly<Record<string, string | ReadonlyArray<string>>>
): Effect.Effect<Payload> => {
  if (!HttpMethod.hasBody(request.method)) return Effect.succeed({ _tag: "Query", value: query })
  const contentType = (request.headers["content-type"] ?? "application/json").toLowerCase().trim()
  const read: Effect.Effect<unknown, unknown> = contentType.includes("application/json")
    ? request.json
    : contentType.includes("x-www-form-urlencoded")
    ? Effect.map(request.urlParamsBody, UrlParams.toRecord)
    : contentType.startsWith("text/")
    ? request.text
    : Effect.fail("unreadable")
  return Effect.match(read, {
    onFailure: (): Payload => ({ _tag: "Unreadable" }),
    onSuccess: (value): Payload => ({ _tag: "Body", value })
  })
}

const classify = (
  endpoint: HttpApiEndpoint.HttpApiEndpoint.AnyWithProps
): Effect.Effect<never, ApiError.ApiError, ClassifyContext> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const query = yield* HttpServerRequest.ParsedSearchParams
    const route = yield* HttpRouter.RouteContext
    const path = yield* decodeWith(endpoint.pathSchema, route.params)
    if (Option.isSome(path)) return yield* Effect.flip(Input.pathError(path.value))
    let payloadChecked = Option.isNone(endpoint.payloadSchema)
    if (Option.isSome(endpoint.payloadSchema)) {
      const payload = yield* readPayload(request, query)
      if (payload._tag !== "Unreadable") {
        payloadChecked = true
        const failed = yield* decodeWith(endpoint.payloadSchema, payload.value)
        if (Option.isSome(failed)) {
          const error: Effect.Effect<ApiError.ApiError> = payload._tag === "Query"
            ? Input.queryError(failed.value)
            : Input.bodyError(failed.value)
          return yield* Effect.flip(error)
        }
      }
    }
    const headers = yield* decodeWith(endpoint.headersSchema, request.headers)
    if (Option.isSome(headers)) return yield* Effect.flip(Input.headersError(headers.value))
    if (Option.isSome(endpoint.urlParamsSchema)) {
      const schema = endpoint.urlParamsSchema.value
      const failed = yield* decodeWith(endpoint.urlParamsSchema, Input.normalizeQuery(query, schema.ast))
      if (Option.isSome(failed)) return yield* Effect.flip(Input.queryError(failed.value))
    }
    const original = yield* OriginalError
    // Path, headers and query decode: what failed is the payload we could not read again.
    const issues = Input.boundIssues(original.issues)
    return yield* Effect.fail(
      payloadChecked
        ? new ApiError.InvalidInput({ details: { issues } })
        : new ApiError.ValidationError({ details: { issues } })
    )
  })

const classifiers = new WeakMap<object, Classifier>()

const classifierOf = ({ api, context }: Api): Effect.Effect<Classifier> =>
  Effect.suspend(() => {
    const cached = classifiers.get(api)
    if (cached !== undefined) return Effect.succeed(cached)
    const routes: Array<HttpRouter.Route<ApiError.ApiError, OriginalError>> = []
    for (const group of Object.values(api.groups)) {
      for (const endpoint of Object.values(group.endpoints)) {
        routes.push(
          HttpRouter.makeRoute(
            endpoint.method,
            endpoint.path,
            // Endpoint schemas may need services the API's handlers were built with.
            Effect.mapInputContext(classify(endpoint), (input: Context.Context<ClassifyContext>) => Context.merge(context, input))
          )
        )
      }
    }
    // Parameters of any length: this router looks up again a request the app's router matched.
    return Effect.tap(Router.withLongParams(HttpRouter.toHttpApp(HttpRouter.fromIterable(routes))), (app) => {
      classifiers.set(api, app)
    })
  })

/**
 * The catalog error for an `HttpApiDecodeError` of `api`: the request is routed again and its
 * parts decoded one by one.
 *
 * @internal
 */
export const classifyDecodeError = (
  api: Api,
  error: HttpApiError.HttpApiDecodeError
): Effect.Effect<ApiError.ApiError, never, HttpServerRequest.HttpServerRequest> =>
  classifierOf(api).pipe(
    Effect.flatMap((app) => Effect.provideService(app, OriginalError, error)),
    Effect.match({
      onFailure: (e): ApiError.ApiError =>
        ApiError.isApiError(e) ? e : new ApiError.InvalidInput({ details: { issues: Input.boundIssues(error.issues) } }),
      onSuccess: (): ApiError.ApiError =>
        new ApiError.InvalidInput({ details: { issues: Input.boundIssues(error.issues) } })
    })
  )
