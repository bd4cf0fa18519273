/**
 * What errata answers a failed request with. Only errata's errors and the platform failures it
 * knows are answered with something other than `INTERNAL_ERROR`; anything else is a bug, and bugs
 * are logged, never described to the client.
 *
 * @internal
 */
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiError from "@effect/platform/HttpApiError"
import * as HttpServerError from "@effect/platform/HttpServerError"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { ApiError } from "@errata/core"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as HashSet from "effect/HashSet"
import * as Option from "effect/Option"
import * as Body from "./body.js"
import * as HttpApiClassifier from "./httpApi.js"
import * as Input from "./input.js"

/** @internal */
export type Outcome =
  | { readonly _tag: "Error"; readonly error: ApiError.ApiError }
  | { readonly _tag: "Response"; readonly response: HttpServerResponse.HttpServerResponse }
  | { readonly _tag: "Internal" }

const internal: Outcome = { _tag: "Internal" }

const isRequestError = (u: unknown): u is HttpServerError.RequestError =>
  HttpServerError.isServerError(u) && u._tag === "RequestError"

const isRouteNotFound = (u: unknown): u is HttpServerError.RouteNotFound =>
  HttpServerError.isServerError(u) && u._tag === "RouteNotFound"

// Defects that are not bugs: an errata error or a response thrown on purpose (the platform answers
// a thrown `Respondable` too), and the builder's body read, which it turns into a defect.
const isDeliberateDefect = (u: unknown): boolean =>
  ApiError.isApiError(u) || HttpServerResponse.isServerResponse(u) || isRequestError(u) || Body.refusalOf(u) !== undefined

// The platform's empty `HttpApiError`s carry nothing but a status; those with a catalog meaning are
// answered with it (a method not allowed is NOT_FOUND, as for the router), the rest are bugs.
const fromHttpApiError = (u: unknown): ApiError.ApiError | undefined => {
  if (u instanceof HttpApiError.BadRequest) return new ApiError.InvalidInput()
  if (u instanceof HttpApiError.Unauthorized) return new ApiError.Unauthorized()
  if (u instanceof HttpApiError.Forbidden) return new ApiError.InsufficientPermissions()
  if (u instanceof HttpApiError.NotFound || u instanceof HttpApiError.MethodNotAllowed) return new ApiError.NotFound()
  if (u instanceof HttpApiError.ServiceUnavailable) return new ApiError.ServiceUnavailable()
  return undefined
}

const fromRequestError = (error: HttpServerError.RequestError): Outcome => {
  if (error.reason !== "Decode") return internal
  return { _tag: "Error", error: error.cause instanceof SyntaxError ? Input.notJsonError() : Input.unreadableBodyError() }
}

/**
 * The outcome of a failed request. Any defect that is a bug wins over every failure, and pure
 * interruption is `INTERNAL_ERROR`: the client is still there, and gets an answer.
 *
 * @internal
 */
export const outcomeOf = (
  cause: Cause.Cause<unknown>
): Effect.Effect<Outcome, never, HttpServerRequest.HttpServerRequest> =>
  Effect.withFiberRuntime((fiber) => {
    // A lone failure, the usual shape of a raised error, has no defect to look for.
    if (cause._tag === "Fail") return outcomeOfValue(cause.error, fiber.currentContext)
    const defects = Cause.defects(cause)
    if (Chunk.some(defects, (d) => !isDeliberateDefect(d))) return Effect.succeed(internal)
    const first = Option.orElse(Chunk.head(Cause.failures(cause)), () => Chunk.head(defects))
    return Option.isNone(first) ? Effect.succeed(internal) : outcomeOfValue(first.value, fiber.currentContext)
  })

const outcomeOfValue = (
  value: unknown,
  context: Context.Context<never>
): Effect.Effect<Outcome, never, HttpServerRequest.HttpServerRequest> => {
  if (ApiError.isApiError(value)) return Effect.succeed<Outcome>({ _tag: "Error", error: value })
  if (HttpServerResponse.isServerResponse(value)) return Effect.succeed<Outcome>({ _tag: "Response", response: value })
  if (isRouteNotFound(value)) return Effect.succeed<Outcome>({ _tag: "Error", error: new ApiError.NotFound() })
  // A body errata's readers refused (too large, not JSON, not UTF-8, too deep): the refusal.
  const refusal = Body.refusalOf(value)
  if (refusal !== undefined) return Effect.succeed<Outcome>({ _tag: "Error", error: refusal })
  if (isRequestError(value)) return Effect.succeed(fromRequestError(value))
  const mapped = fromHttpApiError(value)
  if (mapped !== undefined) return Effect.succeed<Outcome>({ _tag: "Error", error: mapped })
  if (value instanceof HttpApiError.HttpApiDecodeError) {
    const api = Context.getOption(context, HttpApi.Api)
    if (Option.isNone(api)) {
      return Effect.succeed<Outcome>({
        _tag: "Error",
        error: new ApiError.InvalidInput({ details: { issues: Input.boundIssues(value.issues) } })
      })
    }
    return Effect.map(HttpApiClassifier.classifyDecodeError(api.value, value), (error): Outcome => ({ _tag: "Error", error }))
  }
  return Effect.succeed(internal)
}

/**
 * Whether the request ended only because its client hung up: the platform interrupts the request
 * fiber with `HttpServerError.clientAbortFiberId` when the connection closes before the response
 * is written. Nobody is left to answer, and anyone can do it at will: it is no server error.
 *
 * @internal
 */
export const isClientAbort = (cause: Cause.Cause<unknown>): boolean =>
  cause._tag !== "Fail" && Cause.isInterruptedOnly(cause) &&
  HashSet.has(Cause.interruptors(cause), HttpServerError.clientAbortFiberId)
