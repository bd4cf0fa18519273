/**
 * The server side of errata: an `HttpMiddleware` that answers every failure of an HTTP app in the
 * wire format of SPEC.md, and gives every response an `X-Request-ID`.
 *
 * - an errata error (`new ApiError.NotFound({ message: "Contact not found" })`) is written by
 *   `Wire.encode`: status, `{ error: { code, message, details } }`, `Retry-After` for a 429;
 * - the platform's own failures are mapped into the catalog: no route → `NOT_FOUND`, a body that is
 *   not JSON or does not match its schema → `VALIDATION_ERROR`, a bad query → `INVALID_INPUT`, a
 *   missing query parameter → `MISSING_QUERY`, a path ID that is not a UUID → `INVALID_*_ID`;
 * - request bodies are read by errata, for `HttpApi` payloads and `Input.body` alike, when the app
 *   first asks for one: larger than `maxBodyBytes`, of a `Content-Type` other than
 *   `application/json`, nested deeper than `maxBodyDepth`, not UTF-8 or not JSON, a body is
 *   `VALIDATION_ERROR` with one issue at path `[]`;
 * - anything else (another failure, a defect, an interrupted handler) is `INTERNAL_ERROR` with the
 *   catalog's message, and the cause is logged at error level with the request ID;
 * - a client that hangs up before the response is no error: a debug line, and no 500.
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
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Body from "./internal/body.js"
import * as Failure from "./internal/failure.js"
import * as RequestId from "./internal/requestId.js"
import * as Router from "./internal/router.js"

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
  return HttpServerResponse.unsafeJson(body, { status, headers: { ...headers, [RequestId.header]: id } })
}

/**
 * Options of `make` and `layer`.
 *
 * @example
 * import { ServerErrors } from "@errata/server"
 *
 * const options: ServerErrors.Options = {
 *   generateRequestId: () => globalThis.crypto.randomUUID(),
 *   maxBodyBytes: 64 * 1024,
 *   maxBodyDepth: 32
 * }
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
  /**
   * The largest request body read, in bytes. A body declared larger (`Content-Length`) is refused
   * before a byte of it is read, and a chunked one once that many bytes have arrived; either way
   * the answer is `VALIDATION_ERROR` "Request body is too large (limit N bytes)" with
   * `Connection: close`, as the rest of the body is left unread.
   *
   * @default 1048576 (1 MiB)
   */
  readonly maxBodyBytes?: number | undefined
  /**
   * How deep arrays and objects may nest in a JSON body. It is checked by a linear scan before the
   * body is parsed; a deeper body is `VALIDATION_ERROR` "Request body is nested too deeply".
   *
   * @default 64
   */
  readonly maxBodyDepth?: number | undefined
}

const internalError = new ApiError.InternalError()

const withId = (response: HttpServerResponse.HttpServerResponse, id: string) =>
  HttpServerResponse.setHeader(response, RequestId.header, id)

const answer = (cause: Cause.Cause<unknown>, id: string) =>
  Effect.flatMap(Failure.outcomeOf(cause), (outcome) => {
    switch (outcome._tag) {
      case "Error": {
        const written = respondTo(outcome.error, id)
        const response = Body.closesConnection(outcome.error)
          ? HttpServerResponse.setHeader(written, "connection", "close")
          : written
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

// A client that hung up gets the platform's 499, written nowhere (the connection is gone): anyone
// can hang up at will, so it is a debug line, not an error, and never a 500.
const clientGone = (id: string) =>
  Effect.as(Effect.logDebug("Client closed the connection before the response"), withId(HttpServerResponse.empty({ status: 499 }), id))

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
  const generate = RequestId.generator(options.generateRequestId)
  const limits = Body.limits(options)
  return <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<never, R> =>
    RequestId.withRequestId(generate, (id, request) =>
      // The app, and the answer to its failure (which may read the body again to classify it),
      // see the request with errata's body readers: bounded, JSON only, checked before parsing.
      Body.withCheckedBody(
        request,
        limits,
        Effect.matchCauseEffect(app, {
          onSuccess: (response) => Effect.succeed(withId(response, id)),
          onFailure: (cause) => (Failure.isClientAbort(cause) ? clientGone(id) : answer(cause, id))
        })
      ))
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
 * It also lets path parameters be of any length (the router's `maxParamLength` is 100 by default,
 * and a longer ID would match no route: a 404, not `INVALID_*_ID`); the HTTP server's limit on the
 * request line bounds them instead. A `maxParamLength` set with `HttpRouter.setRouterConfig`
 * outside this layer wins.
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
export const layer = (options: Options = {}): Layer.Layer<never> =>
  Layer.merge(HttpApiBuilder.middleware(make(options)), Router.layerLongParams)
