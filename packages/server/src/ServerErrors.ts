/**
 * The server side of errata: an `HttpMiddleware` that answers every failure of an HTTP app in the
 * wire format of SPEC.md, and gives every response an `X-Request-ID`.
 *
 * - an errata error (`new ApiError.NotFound({ message: "Contact not found" })`) is written by
 *   `Wire.encode`: status, `{ error: { code, message, details } }`, `Retry-After` for a 429;
 * - the platform's own failures are mapped into the catalog: no route → `NOT_FOUND`, a body that is
 *   not JSON or does not match its schema → `VALIDATION_ERROR`, a bad query → `INVALID_INPUT`, a
 *   missing query parameter → `MISSING_QUERY`, a path ID that is not a UUID → `INVALID_*_ID`;
 * - anything else (another failure, a defect, an interrupted handler) is `INTERNAL_ERROR` with the
 *   catalog's message, and the cause is logged at error level with the request ID.
 *
 * @example
 * import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
 * import { ApiError } from "@errata/core"
 * import { ServerErrors } from "@errata/server"
 * import { Effect } from "effect"
 *
 * const app = HttpRouter.empty.pipe(
 *   HttpRouter.get("/contacts/:id", Effect.fail(new ApiError.NotFound({ message: "Contact not found" }))),
 *   ServerErrors.middleware
 * )
 * const served = HttpServer.serve(app)
 *
 * @since 0.1.0
 */
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { ApiError, Wire } from "@errata/core"
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Failure from "./internal/failure.js"
import * as RequestId from "./internal/requestId.js"

/**
 * The request ID of the request being handled, once an errata middleware has seen it.
 *
 * @example
 * import { Effect, Option } from "effect"
 * import { ServerErrors } from "@errata/server"
 *
 * const handler = Effect.map(ServerErrors.requestId, Option.getOrElse(() => "none"))
 *
 * @since 0.1.0
 * @category request id
 */
export const requestId: Effect.Effect<Option.Option<string>> = Effect.map(RequestId.current, Option.fromNullable)

/**
 * Writes an errata error as the response SPEC.md describes, for hand-written handlers that return
 * responses instead of failing. Passed through `middleware`, it also gets the `X-Request-ID`.
 *
 * @example
 * import { ApiError } from "@errata/core"
 * import { ServerErrors } from "@errata/server"
 *
 * const response = ServerErrors.respond(new ApiError.RateLimitExceeded({ details: { retryAfter: 30 } }))
 * response.status // 429
 * response.headers["retry-after"] // "30"
 *
 * @since 0.1.0
 * @category responses
 */
export const respond = (error: ApiError.ApiError): HttpServerResponse.HttpServerResponse => {
  const { body, headers, status } = Wire.encode(error)
  return HttpServerResponse.unsafeJson(body, { status, headers })
}

// The response of `error` for the request `id`: this request's ID wins over one the error carries
// (an error received from an upstream API and raised again keeps the upstream's ID).
const respondTo = (error: ApiError.ApiError, id: string): HttpServerResponse.HttpServerResponse => {
  const { body, headers, status } = Wire.encode(error)
  return HttpServerResponse.unsafeJson(body, { status, headers: { ...headers, [RequestId.HEADER]: id } })
}

/**
 * Options of `make` and `layer`.
 *
 * @example
 * import { ServerErrors } from "@errata/server"
 *
 * const options: ServerErrors.Options = { generateRequestId: () => globalThis.crypto.randomUUID() }
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * Makes a request ID when the request has no safe one (1 to 128 characters of
   * `[A-Za-z0-9._:-]`). A value that is not safe itself is replaced by a default one, as it could
   * not be written into the header. `() => crypto.randomUUID()` gives UUIDs, and IDs that do not
   * reveal how many requests an instance has served.
   *
   * @default 16 hex digits drawn at random once per process, a dash, and a counter (`9f86d081884c7d65-42`)
   */
  readonly generateRequestId?: (() => string) | undefined
}

const internalError = new ApiError.InternalError()

const withId = (response: HttpServerResponse.HttpServerResponse, id: string) =>
  HttpServerResponse.setHeader(response, RequestId.HEADER, id)

const answer = (cause: Cause.Cause<unknown>, id: string) =>
  Effect.flatMap(Failure.outcomeOf(cause), (outcome) => {
    switch (outcome._tag) {
      case "Error": {
        const response = respondTo(outcome.error, id)
        return outcome.error.status >= 500
          ? Effect.as(Effect.logWarning(`Answered with ${outcome.error.code}`, cause), response)
          : Effect.succeed(response)
      }
      case "Response":
        return Effect.succeed(withId(outcome.response, id))
      case "Internal":
        return Effect.as(
          Effect.logError("Unhandled failure answered with INTERNAL_ERROR", cause),
          respondTo(internalError, id)
        )
    }
  })

/**
 * The middleware with options; `middleware` is `make()`.
 *
 * @example
 * import { ServerErrors } from "@errata/server"
 *
 * const middleware = ServerErrors.make({ generateRequestId: () => globalThis.crypto.randomUUID() })
 *
 * @since 0.1.0
 * @category middleware
 */
export const make = (options: Options = {}): <E, R>(app: HttpApp.Default<E, R>) => HttpApp.Default<never, R> => {
  const custom = options.generateRequestId
  // A generated ID goes into a header as it is: one the header cannot carry falls back to the default.
  const generate = custom === undefined ? RequestId.generate : () => {
    const id = custom()
    return RequestId.isSafe(id) ? id : RequestId.generate()
  }
  return <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<never, R> =>
    RequestId.withRequestId(generate, (id) =>
      Effect.matchCauseEffect(app, {
        onSuccess: (response) => Effect.succeed(withId(response, id)),
        onFailure: (cause) => answer(cause, id)
      }))
}

/**
 * The middleware: every response gets an `X-Request-ID`, and every failure its wire response.
 *
 * Apply it to the app itself, as the outermost errata middleware: with `HttpRouter`,
 * `router.pipe(ServerErrors.middleware, HttpServer.serve())`; with `HttpApi`, as `layer()`, where
 * it sees the raw failures before the builder encodes them. Not as the argument of
 * `HttpServer.serve(middleware)`: the platform has already answered failures by then.
 *
 * @example
 * import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
 * import { ServerErrors } from "@errata/server"
 *
 * const served = HttpRouter.empty.pipe(
 *   HttpRouter.get("/health", HttpServerResponse.text("ok")),
 *   ServerErrors.middleware,
 *   HttpServer.serve()
 * )
 *
 * @since 0.1.0
 * @category middleware
 */
export const middleware: <E, R>(app: HttpApp.Default<E, R>) => HttpApp.Default<never, R> = make()

/**
 * The middleware as an `HttpApi`-level layer (`HttpApiBuilder.middleware(make(options))`):
 * `HttpApiBuilder.serve()` applies it to every endpoint, unknown routes included, before the
 * builder encodes failures with the API's error schemas.
 *
 * @example
 * import { HttpApi, HttpApiBuilder } from "@effect/platform"
 * import { Layer } from "effect"
 * import { ServerErrors } from "@errata/server"
 *
 * const api = HttpApi.make("api")
 * const ServerLive = HttpApiBuilder.serve().pipe(
 *   Layer.provide(ServerErrors.layer()),
 *   Layer.provide(HttpApiBuilder.api(api))
 * )
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<never> => HttpApiBuilder.middleware(make(options))
