/**
 * The one reader of request bodies that every errata body decode goes through: `HttpApi` payloads
 * (the builder reads the body the middleware hands it) and `Input.body`. It reads a body once,
 * when something first asks for it (so after authentication, which runs before the payload is
 * decoded), and refuses, in this order:
 *
 * - a body larger than the limit, by its `Content-Length` before a byte is read, or while reading,
 *   answering as soon as the limit is passed;
 * - a body whose `Content-Type` is not `application/json` (any parameters, any case);
 * - JSON nested deeper than the limit, found by a linear scan of the bytes before anything else
 *   looks at them, so that nothing downstream (`JSON.parse`, Schema's decoding and the issue
 *   wording recurse per level) can overflow the stack;
 * - bytes that are not UTF-8 (`TextDecoder` with `fatal: true`, where the platform would replace
 *   them with U+FFFD);
 * - text that is not JSON.
 *
 * Each refusal is a `VALIDATION_ERROR` about the body as a whole (an issue at path `[]`).
 *
 * @internal
 */
import * as RequestBody from "@errata/dialect/RequestBody"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Headers from "effect/http/Headers"
import * as HttpMethod from "effect/http/HttpMethod"
import * as HttpServerError from "effect/http/HttpServerError"
import { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as Multipart from "effect/http/Multipart"
import * as UrlParams from "effect/http/UrlParams"
import * as Result from "effect/Result"
import type * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as ApiError from "../../ApiError.js"
import * as Issues from "./issues.js"

// The limits, the checks, the depth scan, the UTF-8 decoding and the wording of each refusal are
// the dialect's (`RequestBody`), written once for both editions; this module reads the body with
// Effect and raises the refusals as `ApiError.ValidationError`s.
export { isJsonContentType, limits } from "@errata/dialect/RequestBody"

/** The limits one middleware reads bodies with. */
export type Limits = RequestBody.Limits

const defaultLimits: Limits = RequestBody.limits({})

// --- refusals ---------------------------------------------------------------------------------

// Refusals after which the rest of the body is left unread on the connection: the response must
// close it, or the unread bytes would be parsed as the next request.
const closing = new WeakSet<object>()

const refuse = (refusal: RequestBody.Refusal): ApiError.ValidationError => {
  const error = new ApiError.ValidationError(RequestBody.fields(refusal))
  if (RequestBody.closesConnection(refusal)) closing.add(error)
  return error
}

const notJsonType = (): ApiError.ValidationError => refuse({ _tag: "NotJsonType" })

/** Whether the response to this error must close the connection (`Connection: close`). */
export const closesConnection = (error: ApiError.ApiError): boolean => closing.has(error)

/**
 * The errata error a platform body failure carries: the readers below fail with an
 * `HttpServerError` (or a `MultipartError`) whose cause is the refusal, as their types ask, and
 * the builder turns them into defects; the middleware answers them with the refusal.
 */
export const refusalOf = (u: unknown): ApiError.ApiError | undefined => {
  if (HttpServerError.isHttpServerError(u) && u.reason._tag === "RequestParseError" && ApiError.isApiError(u.reason.cause)) {
    return u.reason.cause
  }
  if (Multipart.isMultipartError(u) && ApiError.isApiError(u.reason.cause)) return u.reason.cause
  return undefined
}

/**
 * Whether the request may have a body: one its headers announce, or one of a method that has one
 * (a web `Request` or an HTTP/2 stream carries a body with neither header). Other requests keep
 * the platform's readers, so a GET pays for nothing here.
 */
const mayCarryBody = (request: HttpServerRequest): boolean =>
  HttpMethod.hasBody(request.method) || RequestBody.announcesBody(request.headers)

// The body as text: not too deep (the cheapest check first), then UTF-8. Every body errata reads
// is JSON, so the text the builder parses has passed the depth check too.
const decode = (bytes: Uint8Array, maxDepth: number): Result.Result<string, ApiError.ValidationError> => {
  const text = RequestBody.decode(bytes, maxDepth)
  return typeof text === "string" ? Result.succeed(text) : Result.fail(refuse(text))
}

// As the platform reads it: an empty body is `null`.
const parse = (text: string): Result.Result<Schema.Json, ApiError.ValidationError> =>
  text === "" ? Result.succeed(null) : Result.try({ try: (): Schema.Json => JSON.parse(text), catch: Issues.notJsonError })

// --- reading ------------------------------------------------------------------------------------

/**
 * Reads the body into `result`. Over the limit, `result` fails at once (the answer goes out with
 * `Connection: close`) and reading stops; the platform tears down what is left of the body once
 * the response is sent (Node's server closes the connection after it, without resetting it while
 * the client is still sending).
 */
const readInto = (
  request: HttpServerRequest,
  { maxBytes }: Limits,
  result: Deferred.Deferred<Uint8Array<ArrayBuffer>, ApiError.ValidationError>
): Effect.Effect<void> => {
  // A body refused before it is read is left to the server, which drops it or closes.
  const reading = new RequestBody.Reading(request.headers, maxBytes)
  if (reading.refusal !== undefined) return Deferred.fail(result, refuse(reading.refusal)).pipe(Effect.asVoid)
  const read = Effect.gen(function*() {
    const pull = yield* Stream.toPull(request.stream)
    while (true) {
      const next = yield* Effect.result(pull)
      if (Result.isFailure(next)) {
        if (Cause.isDone(next.failure)) break
        // The stream failed: the client hung up or the transport broke mid-body.
        return yield* Deferred.fail(result, Issues.unreadableBodyError())
      }
      if (!reading.add(next.success)) return yield* Deferred.fail(result, refuse({ _tag: "TooLarge", limit: maxBytes }))
    }
    // A body its headers did not announce has its type checked once it is there.
    const body = reading.end()
    return yield* body instanceof Uint8Array ? Deferred.succeed(result, body) : Deferred.fail(result, refuse(body))
  })
  return Effect.asVoid(Effect.scoped(read))
}

interface Body {
  readonly bytes: Effect.Effect<Uint8Array<ArrayBuffer>, ApiError.ValidationError>
  readonly text: Effect.Effect<string, ApiError.ValidationError>
  readonly json: Effect.Effect<Schema.Json, ApiError.ValidationError>
}

// The body of each request that errata has read or will read, so that every reader of one request
// (the builder, the answer to its decode failure, `Input.body`, a handler) sees the same bytes and
// the stream is read once.
const bodies = new WeakMap<HttpServerRequest, Body>()

const makeBody = (request: HttpServerRequest, bodyLimits: Limits): Body => {
  const result = Deferred.makeUnsafe<Uint8Array<ArrayBuffer>, ApiError.ValidationError>()
  let started = false
  // The read runs in a fiber of its own, started by the first reader: a reader that is interrupted
  // (a timeout in a handler) does not leave the others waiting for a read that stopped half-way.
  const start = Effect.suspend(() => {
    if (started) return Effect.void
    started = true
    return Effect.asVoid(Effect.forkDetach(readInto(request, bodyLimits, result)))
  })
  const bytes = Effect.andThen(Effect.uninterruptible(start), Deferred.await(result))
  // Decoded and parsed once, when first asked for, whoever asks.
  let text: Result.Result<string, ApiError.ValidationError> | undefined
  let json: Result.Result<Schema.Json, ApiError.ValidationError> | undefined
  const textOf = (b: Uint8Array) => (text ??= decode(b, bodyLimits.maxDepth))
  return {
    bytes,
    text: Effect.flatMap(bytes, (b) => Effect.fromResult(textOf(b))),
    json: Effect.flatMap(bytes, (b) => Effect.fromResult(json ??= Result.flatMap(textOf(b), parse)))
  }
}

type Overrides = Pick<
  HttpServerRequest,
  "text" | "json" | "urlParamsBody" | "arrayBuffer" | "stream" | "multipart" | "multipartStream" | "modify" | "headers"
>

/**
 * `request` with its body readers replaced by `body`'s. A `Proxy` rather than a copy: everything
 * else (`source`, which `NodeHttpServerRequest.toIncomingMessage` reads, the Node response, the
 * upgrade) stays the platform's own, whatever the runtime.
 *
 * A body whose headers declare a type other than JSON is shown to the app without its
 * `Content-Type`: `HttpApi` picks its payload reader by that header (answering a type it has no
 * reader for with a bare 415), and without one it reads JSON, which is errata's reader, whose
 * refusal ("Content-Type must be application/json") is then the answer. The body is still read
 * only when the app asks, so after authentication.
 */
const wrap = (request: HttpServerRequest, body: Body): HttpServerRequest => {
  const refail = <A>(effect: Effect.Effect<A, ApiError.ValidationError>) =>
    Effect.mapError(effect, (cause) =>
      new HttpServerError.HttpServerError({
        reason: new HttpServerError.RequestParseError({ request: proxy, cause, description: cause.message })
      }))
  const text = refail(body.text)
  // errata servers take JSON bodies only: a form or multipart body is refused (by its type) here
  // too, not decoded into fields a JSON schema could accept.
  const notMultipart = Effect.flatMap(
    Effect.mapError(body.bytes, (cause) => Multipart.MultipartError.fromReason("Parse", cause)),
    () => Effect.fail(Multipart.MultipartError.fromReason("Parse", notJsonType()))
  )
  const original = request.headers
  const headers = RequestBody.announcesBody(original) && !RequestBody.isJsonContentType(original["content-type"])
    ? Headers.remove(original, "content-type")
    : original
  const overrides: Overrides = {
    text,
    json: refail(body.json),
    urlParamsBody: Effect.map(text, (t) => UrlParams.fromInput(new URLSearchParams(t))),
    arrayBuffer: refail(Effect.map(body.bytes, (bytes) => bytes.slice().buffer)),
    stream: Stream.fromEffect(refail(body.bytes)),
    multipart: notMultipart,
    multipartStream: Stream.fromEffect(notMultipart),
    headers,
    // A request modified by a router (a mounted prefix) reads the same body.
    modify: (options) => register(wrap(request.modify(options), body), body)
  }
  const proxy: HttpServerRequest = new Proxy(request, {
    get: (target, key) => (Object.hasOwn(overrides, key) ? Reflect.get(overrides, key) : Reflect.get(target, key))
  })
  return proxy
}

const register = (request: HttpServerRequest, body: Body): HttpServerRequest => {
  bodies.set(request, body)
  return request
}

/**
 * Runs `effect` with the request's body readers replaced by errata's, read with `bodyLimits`,
 * when the request may have a body. The rest of the request is the platform's.
 */
export const withCheckedBody = <A, E, R>(
  request: HttpServerRequest,
  bodyLimits: Limits,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> => {
  if (!mayCarryBody(request) || bodies.has(request)) return effect
  const body = makeBody(request, bodyLimits)
  return Effect.provideService(effect, HttpServerRequest, register(wrap(request, body), body))
}

/**
 * The current request's body as JSON, for `Input.body` and the answer to a payload that did not
 * decode: read by the middleware's readers when `ServerErrors` handed the request over, else by a
 * reader of its own with the default limits.
 */
export const json: Effect.Effect<Schema.Json, ApiError.ValidationError, HttpServerRequest> = Effect.withFiber((fiber) => {
  const request = Context.getUnsafe(fiber.context, HttpServerRequest)
  const known = bodies.get(request)
  if (known !== undefined) return known.json
  const body = makeBody(request, defaultLimits)
  bodies.set(request, body)
  return body.json
})
