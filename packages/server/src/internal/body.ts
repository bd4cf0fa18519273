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
 *   looks at them, so that nothing downstream (Schema's decoding and formatting recurse per level)
 *   can overflow the stack;
 * - bytes that are not UTF-8 (`TextDecoder` with `fatal: true`, where the platform would replace
 *   them with U+FFFD);
 * - text that is not JSON.
 *
 * Each refusal is a `VALIDATION_ERROR` about the body as a whole (an issue at path `[]`).
 *
 * @internal
 */
import * as HttpMethod from "@effect/platform/HttpMethod"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Multipart from "@effect/platform/Multipart"
import * as UrlParams from "@effect/platform/UrlParams"
import { ApiError } from "@errata/core"
import * as RequestBody from "@errata/dialect/RequestBody"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberId from "effect/FiberId"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Input from "./input.js"

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
export const closesConnection = (error: ApiError.ApiError): boolean =>
  // A failure that crossed a span reaches the middleware wrapped (Effect annotates it with the span).
  closing.has(Cause.originalError(error))

/**
 * The errata error a platform body failure carries: the readers below fail with a `RequestError`
 * (or a `MultipartError`) whose cause is the refusal, as their types ask, and the builder turns
 * them into defects; the middleware answers them with the refusal.
 */
export const refusalOf = (u: unknown): ApiError.ApiError | undefined => {
  if (HttpServerError.isServerError(u) && u._tag === "RequestError" && ApiError.isApiError(u.cause)) return u.cause
  if (u instanceof Multipart.MultipartError && ApiError.isApiError(u.cause)) return u.cause
  return undefined
}

/**
 * Whether the request may have a body: one its headers announce, or one of a method that has one
 * (a web `Request` or an HTTP/2 stream carries a body with neither header). Other requests keep
 * the platform's readers, so a GET pays for nothing here.
 */
const mayCarryBody = (request: HttpServerRequest.HttpServerRequest): boolean =>
  HttpMethod.hasBody(request.method) || RequestBody.announcesBody(request.headers)

// As text: UTF-8 only (the depth is checked on the way to JSON).
const decode = (bytes: Uint8Array): Either.Either<string, ApiError.ValidationError> => {
  const text = RequestBody.decode(bytes)
  return typeof text === "string" ? Either.right(text) : Either.left(refuse(text))
}

// The cheapest check first: a body nested too deep is not even decoded.
const parse = (bytes: Uint8Array, maxDepth: number): Either.Either<unknown, ApiError.ValidationError> => {
  // As the platform reads it: an empty body is `null`.
  if (bytes.length === 0) return Either.right(null)
  const text = RequestBody.decode(bytes, maxDepth)
  if (typeof text !== "string") return Either.left(refuse(text))
  return Either.try({ try: (): unknown => JSON.parse(text), catch: () => Input.notJsonError() })
}

// --- reading ------------------------------------------------------------------------------------

/**
 * Reads the body into `result`. Over the limit, `result` fails at once (the answer goes out), and
 * the rest of the body is read and dropped until it ends or the connection closes (the middleware
 * answers with `Connection: close`, so the server closes it right after the answer). Neither
 * stopping nor leaving the stream is an option: either destroys the request, and on Node its
 * socket, with the client's bytes unread, so that the client gets a reset instead of the answer.
 */
const readInto = (
  request: HttpServerRequest.HttpServerRequest,
  { maxBytes }: Limits,
  result: Deferred.Deferred<Uint8Array<ArrayBuffer>, ApiError.ValidationError>
): Effect.Effect<void> => {
  // A body refused before it is read is left to the server, which drops it (Node) or closes.
  const reading = new RequestBody.Reading(request.headers, maxBytes)
  if (reading.refusal !== undefined) return Deferred.fail(result, refuse(reading.refusal))
  const read = Effect.gen(function*() {
    const pull = yield* Stream.toPull(request.stream)
    while (true) {
      const next = yield* Effect.either(pull)
      if (Either.isLeft(next)) {
        // The stream failed: the client hung up or the transport broke mid-body.
        if (Option.isSome(next.left)) return yield* Deferred.fail(result, Input.unreadableBodyError())
        break
      }
      if (!reading.add(next.right)) {
        yield* Deferred.fail(result, refuse({ _tag: "TooLarge", limit: maxBytes }))
        // Drained, not kept: the end of the stream or its failure (the connection closed) ends it.
        return yield* Effect.ignore(Effect.forever(pull))
      }
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
  readonly json: Effect.Effect<unknown, ApiError.ValidationError>
}

// The body of each request that errata has read or will read, so that every reader of one request
// (the builder, the decode-failure classifier, `Input.body`, a handler) sees the same bytes and the
// stream is read once.
const bodies = new WeakMap<HttpServerRequest.HttpServerRequest, Body>()

const makeBody = (request: HttpServerRequest.HttpServerRequest, bodyLimits: Limits): Body => {
  const result = Deferred.unsafeMake<Uint8Array<ArrayBuffer>, ApiError.ValidationError>(FiberId.none)
  let started = false
  // The read runs in a fiber of its own, started by the first reader and bounded by the stream's
  // life, not by the request's: a reader that is interrupted (a timeout in a handler) does not
  // leave the others waiting for a read that stopped half-way, and the drain above outlives the
  // answer it makes way for.
  const start = Effect.suspend(() => {
    if (started) return Effect.void
    started = true
    return Effect.asVoid(Effect.forkDaemon(readInto(request, bodyLimits, result)))
  })
  const bytes = Effect.zipRight(Effect.uninterruptible(start), Deferred.await(result))
  // Decoded and parsed once, when first asked for, whoever asks.
  let text: Either.Either<string, ApiError.ValidationError> | undefined
  let json: Either.Either<unknown, ApiError.ValidationError> | undefined
  return {
    bytes,
    text: Effect.flatMap(bytes, (b) => (text ??= decode(b))),
    json: Effect.flatMap(bytes, (b) => (json ??= parse(b, bodyLimits.maxDepth)))
  }
}

type Overrides = Pick<
  HttpServerRequest.HttpServerRequest,
  "text" | "json" | "urlParamsBody" | "arrayBuffer" | "stream" | "multipart" | "multipartStream" | "modify" | "toJSON"
>

/**
 * `request` with its body readers replaced by `body`'s. A `Proxy` rather than a copy: everything
 * else (`source`, which `NodeHttpServerRequest.toIncomingMessage` reads, the Node response, the
 * headers and their caches) stays the platform's own, whatever the runtime.
 */
const wrap = (request: HttpServerRequest.HttpServerRequest, body: Body): HttpServerRequest.HttpServerRequest => {
  const refail = <A>(effect: Effect.Effect<A, ApiError.ValidationError>) =>
    Effect.mapError(effect, (cause) =>
      new HttpServerError.RequestError({ request: proxy, reason: "Decode", cause, description: cause.message }))
  const text = refail(body.text)
  // errata servers take JSON bodies only: a form or multipart body is refused (by its type) here
  // too, not decoded into fields a JSON schema could accept.
  const notMultipart = Effect.flatMap(
    Effect.mapError(body.bytes, (cause) => new Multipart.MultipartError({ reason: "Parse", cause })),
    () => Effect.fail(new Multipart.MultipartError({ reason: "Parse", cause: notJsonType() }))
  )
  const overrides: Overrides = {
    text,
    json: refail(body.json),
    urlParamsBody: Effect.map(text, (t) => UrlParams.fromInput(new URLSearchParams(t))),
    arrayBuffer: refail(Effect.map(body.bytes, (bytes) => bytes.slice().buffer)),
    stream: Stream.fromEffect(refail(body.bytes)),
    multipart: notMultipart,
    multipartStream: Stream.fromEffect(notMultipart),
    // A request modified by a router (a mounted prefix) reads the same body.
    modify: (options) => register(wrap(request.modify(options), body), body),
    // The platform's `toJSON` reads the body synchronously to show it; this one never reads.
    toJSON: () => ({
      _id: "@effect/platform/HttpServerRequest",
      method: request.method,
      url: request.originalUrl,
      headers: Inspectable.redact(request.headers),
      remoteAddress: request.remoteAddress.toJSON()
    })
  }
  const proxy: HttpServerRequest.HttpServerRequest = new Proxy(request, {
    get: (target, key, receiver) => (Object.hasOwn(overrides, key) ? Reflect.get(overrides, key) : Reflect.get(target, key, receiver))
  })
  return proxy
}

const register = (request: HttpServerRequest.HttpServerRequest, body: Body): HttpServerRequest.HttpServerRequest => {
  bodies.set(request, body)
  return request
}

/**
 * Runs `effect` with the request's body readers replaced by errata's, read with `bodyLimits`,
 * when the request has a body. The rest of the request is the platform's.
 */
export const withCheckedBody = <A, E, R>(
  request: HttpServerRequest.HttpServerRequest,
  bodyLimits: Limits,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> => {
  if (!mayCarryBody(request) || bodies.has(request)) return effect
  const body = makeBody(request, bodyLimits)
  return Effect.provideService(effect, HttpServerRequest.HttpServerRequest, register(wrap(request, body), body))
}

/**
 * The current request's body as JSON, for `Input.body`: read by the middleware's readers when
 * `ServerErrors` handed the request over, else by a reader of its own with the default limits.
 */
export const json: Effect.Effect<unknown, ApiError.ValidationError, HttpServerRequest.HttpServerRequest> = Effect
  .withFiberRuntime((fiber) => {
    const request = Context.unsafeGet(fiber.currentContext, HttpServerRequest.HttpServerRequest)
    const known = bodies.get(request)
    if (known !== undefined) return known.json
    const body = makeBody(request, defaultLimits)
    bodies.set(request, body)
    return body.json
  })
