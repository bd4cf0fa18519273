/**
 * The server side of errata: a middleware that answers every failure of an HTTP app in the wire
 * format of SPEC.md, and gives every response an `X-Request-ID`.
 *
 * - an errata error (`new ApiError.NotFound({ message: "Contact not found" })`) is written by
 *   `Wire.encode`: status, `{ error: { code, message, details } }`, `Retry-After` for a 429;
 * - the platform's own failures are mapped into the catalog: no route → `NOT_FOUND`; a request
 *   part `HttpApi` could not decode (`HttpApiSchemaError`), by its kind: a path ID that is not a
 *   UUID → `INVALID_*_ID`, another path parameter or a header → `INVALID_INPUT`, the payload →
 *   `VALIDATION_ERROR`, the query → `MISSING_QUERY` or `INVALID_INPUT`, one issue per failing field;
 * - request bodies are read by errata, for `HttpApi` payloads and `Input.body` alike, when the app
 *   first asks for one: larger than `maxBodyBytes`, of a `Content-Type` other than
 *   `application/json`, nested deeper than `maxBodyDepth`, not UTF-8 or not JSON, a body is
 *   `VALIDATION_ERROR` with one issue at path `[]`;
 * - a catalog class declared as an endpoint's error as it is (`error: ApiError.NotFound`), which
 *   `HttpApiBuilder` writes with the class's own fields, is written in the wire format too;
 * - anything else (another failure, a defect, a handler that interrupted itself) is
 *   `INTERNAL_ERROR` with the catalog's message, and the cause is logged at error level with the
 *   request ID; a request the server cuts short (it is stopping) is `SERVICE_UNAVAILABLE`;
 * - a client that hangs up before the response is no error: a debug line, and no 500.
 *
 * With `HttpRouter` and `HttpApi` alike, install it as `layer()`, a global router middleware, in
 * the app `HttpRouter.serve` serves; `middleware` is the same as a function of an HTTP effect.
 *
 * @example
 * import { Effect, Layer } from "effect"
 * import { HttpRouter } from "effect/http"
 * import { ApiError } from "errata"
 * import { ServerErrors } from "errata/server"
 *
 * const Routes = HttpRouter.add("GET", "/contacts/:id", Effect.fail(new ApiError.NotFound({ message: "Contact not found" })))
 * const App = HttpRouter.serve(Layer.mergeAll(Routes, ServerErrors.layer()))
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as HttpRouter from "effect/http/HttpRouter"
import type { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as Types from "effect/Types"
import * as ApiError from "../ApiError.js"
import * as Wire from "../Wire.js"
import * as Body from "./internal/body.js"
import * as Failure from "./internal/failure.js"
import * as RequestId from "./internal/requestId.js"

/**
 * The request ID of the request being handled, once an errata middleware has seen it.
 *
 * @example
 * import { Effect, Option } from "effect"
 * import { ServerErrors } from "errata/server"
 *
 * const handler = Effect.map(ServerErrors.requestId, Option.getOrElse(() => "none"))
 *
 * @since 0.1.0
 * @category request id
 */
export const requestId: Effect.Effect<Option.Option<string>> = Effect.map(RequestId.current, Option.fromUndefinedOr)

const fromWire = ({ body, headers, status }: Wire.Encoded, extra: Readonly<Record<string, string>>) =>
  HttpServerResponse.jsonUnsafe(body, { status, headers: { ...headers, ...extra } })

/**
 * Writes an errata error as the response SPEC.md describes, for hand-written handlers that return
 * responses instead of failing. Passed through the middleware, it also gets the `X-Request-ID`.
 *
 * @example
 * import { ApiError } from "errata"
 * import { ServerErrors } from "errata/server"
 *
 * const response = ServerErrors.respond(new ApiError.RateLimitExceeded({ details: { retryAfter: 30 } }))
 * response.status // 429
 * response.headers["retry-after"] // "30"
 *
 * @since 0.1.0
 * @category responses
 */
export const respond = (error: ApiError.ApiError): HttpServerResponse.HttpServerResponse => fromWire(Wire.encode(error), {})

/**
 * Options of `make` and `layer`.
 *
 * @example
 * import { ServerErrors } from "errata/server"
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

// The response of `error` for the request `id`: this request's ID wins over one the error carries
// (an error received from an upstream API and raised again keeps the upstream's ID).
const respondTo = (error: ApiError.ApiError, id: string): HttpServerResponse.HttpServerResponse =>
  fromWire(Wire.encode(error), { [RequestId.header]: id, ...(Body.closesConnection(error) ? { connection: "close" } : {}) })

// A catalog class declared as an endpoint's error as it is (`error: ApiError.NotFound`) is written
// by `HttpApiBuilder` inside the route, with the class's own fields (`{"_tag":"NotFound",...}`,
// `_tag` first), before any middleware sees the failure. Such a body, at the status of its class,
// is written again in the wire format. Only error responses whose JSON text starts as a class's
// does are read: wire bodies (`{"error":...}`) and other responses pass untouched.
const classBodyStart = "{\"_tag\":\""
const classBodyMaxLength = 65_536
const decodeClass = Schema.decodeUnknownOption(ApiError.ApiError)
const utf8 = new TextDecoder()

const classOf = (response: HttpServerResponse.HttpServerResponse): ApiError.ApiError | undefined => {
  const body = response.body
  if (response.status < 400 || body._tag !== "Uint8Array" || body.contentLength > classBodyMaxLength) return undefined
  if (!Body.isJsonContentType(body.contentType)) return undefined
  const text = body.text ?? utf8.decode(body.body)
  if (!text.startsWith(classBodyStart)) return undefined
  const parsed = Result.try((): unknown => JSON.parse(text))
  if (Result.isFailure(parsed)) return undefined
  const error = Option.getOrUndefined(decodeClass(parsed.success))
  return error !== undefined && error.status === response.status ? error : undefined
}

const succeeded = (response: HttpServerResponse.HttpServerResponse, id: string): HttpServerResponse.HttpServerResponse => {
  const error = classOf(response)
  return error === undefined ? withId(response, id) : respondTo(error, id)
}

const answer = (cause: Cause.Cause<unknown>, id: string) =>
  Effect.flatMap(Failure.outcomeOf(cause), (outcome): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
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
      case "ClientGone":
        // The platform's 499, written nowhere (the connection is gone): anyone can hang up at
        // will, so it is a debug line, not an error, and never a 500.
        return Effect.as(
          Effect.logDebug("Client closed the connection before the response"),
          withId(HttpServerResponse.empty({ status: 499 }), id)
        )
    }
  })

/**
 * The middleware with options, as a function of an HTTP effect; `middleware` is `make()`, and
 * `layer(options)` installs it in a router.
 *
 * @example
 * import { ServerErrors } from "errata/server"
 *
 * const middleware = ServerErrors.make({ generateRequestId: () => globalThis.crypto.randomUUID() })
 *
 * @since 0.1.0
 * @category middleware
 */
export const make = (options: Options = {}): <E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
) => Effect.Effect<HttpServerResponse.HttpServerResponse, never, R | HttpServerRequest> => {
  const generate = RequestId.generator(options.generateRequestId)
  const limits = Body.limits(options)
  return <E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
    RequestId.withRequestId(generate, (id, request) =>
      // The app, and the answer to its failure (which may read the body again to word its
      // issues), see the request with errata's body readers: bounded, JSON only, checked first.
      // The answer runs to its end even when the request was interrupted (the server stopping):
      // only the app is as interruptible as it was.
      Body.withCheckedBody(
        request,
        limits,
        Effect.uninterruptibleMask((restore) =>
          Effect.matchCauseEffect(restore(app), {
            onSuccess: (response) => Effect.succeed(succeeded(response, id)),
            onFailure: (cause) => answer(cause, id)
          })
        )
      ))
}

/**
 * The middleware, as a function of an HTTP effect: every response gets an `X-Request-ID`, and
 * every failure its wire response. Wrap the app itself, not the `middleware` option of
 * `HttpRouter.serve` or `HttpServer.serve`, where the platform has answered failures already:
 * `HttpRouter.toHttpEffect(app)`, then `HttpServer.serve(ServerErrors.middleware(effect))`. Most
 * apps install `layer()` instead.
 *
 * @example
 * import { Effect, Layer } from "effect"
 * import { HttpRouter, HttpServer, HttpServerResponse } from "effect/http"
 * import { ServerErrors } from "errata/server"
 *
 * const Routes = HttpRouter.add("GET", "/health", HttpServerResponse.text("ok"))
 * const Served = Layer.unwrap(
 *   Effect.map(HttpRouter.toHttpEffect(Routes), (app) => HttpServer.serve(ServerErrors.middleware(app)))
 * )
 *
 * @since 0.1.0
 * @category middleware
 */
export const middleware: <E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
) => Effect.Effect<HttpServerResponse.HttpServerResponse, never, R | HttpServerRequest> = make()

/**
 * The middleware as a global `HttpRouter` middleware: it wraps every route of the router it is
 * provided with, the routes `HttpApiBuilder.layer` adds and unknown routes included, so it sees
 * every failure before the platform answers it. Merge it into the app `HttpRouter.serve` serves.
 *
 * Path parameters longer than the router's `maxParamLength` (100 by default) match no route at
 * all; serve with `NodeServer.layer`, which lifts that limit, or pass `routerConfig` to
 * `HttpRouter.serve`, so that a long ID is `INVALID_*_ID` rather than `NOT_FOUND`.
 *
 * @example
 * import { Layer } from "effect"
 * import { HttpRouter } from "effect/http"
 * import { HttpApi, HttpApiBuilder } from "effect/http-api"
 * import { ServerErrors } from "errata/server"
 *
 * const Api = HttpApi.make("api")
 * const App = HttpRouter.serve(Layer.mergeAll(HttpApiBuilder.layer(Api), ServerErrors.layer({ maxBodyBytes: 256 * 1024 })))
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<HttpRouter.Request<"Error", unknown> | HttpRouter.Request<"GlobalError", unknown>, never, HttpRouter.HttpRouter> => {
  const errors = make(options)
  return HttpRouter.middleware<{ handles: unknown }>()(
    // Every failure is answered: nothing is left for the platform (`unhandled` stays out).
    (effect): Effect.Effect<HttpServerResponse.HttpServerResponse, Types.unhandled, HttpServerRequest> => errors(effect),
    { global: true }
  )
}
