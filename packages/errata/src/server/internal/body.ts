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

/** The default limit on a request body: 1 MiB. */
export const DEFAULT_MAX_BYTES = 1_048_576

/** The default limit on how deep arrays and objects nest in a JSON body. */
export const DEFAULT_MAX_DEPTH = 64

/** The limits one middleware reads bodies with. */
export interface Limits {
  readonly maxBytes: number
  readonly maxDepth: number
}

/** The limits of `ServerErrors.make`'s options, defaults filled in. */
export const limits = (options: {
  readonly maxBodyBytes?: number | undefined
  readonly maxBodyDepth?: number | undefined
}): Limits => ({
  maxBytes: options.maxBodyBytes ?? DEFAULT_MAX_BYTES,
  maxDepth: options.maxBodyDepth ?? DEFAULT_MAX_DEPTH
})

const defaultLimits: Limits = limits({})

// --- refusals ---------------------------------------------------------------------------------

const wholeBody = (message: string, issue: string): ApiError.ValidationError =>
  new ApiError.ValidationError({ message, details: { issues: [{ path: [], message: issue }] } })

// Refusals after which the rest of the body is left unread on the connection: the response must
// close it, or the unread bytes would be parsed as the next request.
const closing = new WeakSet<object>()

const tooLarge = (limit: number): ApiError.ValidationError => {
  const error = wholeBody(`Request body is too large (limit ${limit} bytes)`, `The body must be at most ${limit} bytes`)
  closing.add(error)
  return error
}

const notJsonType = (): ApiError.ValidationError =>
  wholeBody("Content-Type must be application/json", "Expected a body of type application/json")

const notUtf8 = (): ApiError.ValidationError => wholeBody("Request body is not valid UTF-8", "Expected UTF-8 text")

const tooDeep = (limit: number): ApiError.ValidationError =>
  wholeBody(
    `Request body is nested too deeply (limit ${limit} levels)`,
    `Arrays and objects may nest at most ${limit} levels deep`
  )

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

// --- checks -------------------------------------------------------------------------------------

/** Whether the headers announce a body (HTTP/1.1: a `Transfer-Encoding` or a non-zero `Content-Length`). */
const announcesBody = (headers: Headers.Headers): boolean => {
  if (headers["transfer-encoding"] !== undefined) return true
  const length = headers["content-length"]
  return length !== undefined && length !== "0"
}

/**
 * Whether the request may have a body: one its headers announce, or one of a method that has one
 * (a web `Request` or an HTTP/2 stream carries a body with neither header). Other requests keep
 * the platform's readers, so a GET pays for nothing here.
 */
const mayCarryBody = (request: HttpServerRequest): boolean =>
  HttpMethod.hasBody(request.method) || announcesBody(request.headers)

/** `application/json`, in any case, with any parameters (`; charset=utf-8`). */
export const isJsonContentType = (value: string | undefined): boolean => {
  if (value === undefined) return false
  const semicolon = value.indexOf(";")
  return (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase() === "application/json"
}

const QUOTE = 34
const BACKSLASH = 92
const OPEN_BRACE = 123
const CLOSE_BRACE = 125
const OPEN_BRACKET = 91
const CLOSE_BRACKET = 93

/**
 * Whether arrays and objects nest deeper than `max` anywhere in the UTF-8 `bytes`: one pass, no
 * recursion, brackets inside strings skipped (the bytes of `"`, `\`, brackets and braces never
 * occur inside a multi-byte character). On bytes that are not JSON the answer is only a bound,
 * and `JSON.parse` says what is wrong with them.
 */
export const nestsDeeperThan = (bytes: Uint8Array, max: number): boolean => {
  let depth = 0
  let inString = false
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]
    if (inString) {
      if (c === BACKSLASH) i++
      else if (c === QUOTE) inString = false
    } else if (c === QUOTE) {
      inString = true
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--
    }
  }
  return false
}

// `fatal: true` makes invalid bytes an error instead of U+FFFD; the decoder keeps no state
// between calls without `stream: true`, so one serves every request.
const utf8 = new TextDecoder("utf-8", { fatal: true })

// The body as text: not too deep (the cheapest check first), then UTF-8. Every body errata reads
// is JSON, so the text the builder parses has passed the depth check too.
const decode = (bytes: Uint8Array, maxDepth: number): Result.Result<string, ApiError.ValidationError> => {
  if (bytes.length === 0) return Result.succeed("")
  if (nestsDeeperThan(bytes, maxDepth)) return Result.fail(tooDeep(maxDepth))
  return Result.try({ try: () => utf8.decode(bytes), catch: notUtf8 })
}

// As the platform reads it: an empty body is `null`.
const parse = (text: string): Result.Result<Schema.Json, ApiError.ValidationError> =>
  text === "" ? Result.succeed(null) : Result.try({ try: (): Schema.Json => JSON.parse(text), catch: Issues.notJsonError })

// --- reading ------------------------------------------------------------------------------------

const empty = new Uint8Array(0)

const concat = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array<ArrayBuffer> => {
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.length
  }
  return bytes
}

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
  const headers = request.headers
  // `Number(undefined)` is NaN, which is not greater than anything: a chunked body is read. A body
  // refused before it is read is left to the server, which drops it or closes.
  if (Number(headers["content-length"]) > maxBytes) return Deferred.fail(result, tooLarge(maxBytes)).pipe(Effect.asVoid)
  const json = isJsonContentType(headers["content-type"])
  const announced = announcesBody(headers)
  if (announced && !json) return Deferred.fail(result, notJsonType()).pipe(Effect.asVoid)
  const read = Effect.gen(function*() {
    const pull = yield* Stream.toPull(request.stream)
    const chunks: Array<Uint8Array> = []
    let size = 0
    while (true) {
      const next = yield* Effect.result(pull)
      if (Result.isFailure(next)) {
        if (Cause.isDone(next.failure)) break
        // The stream failed: the client hung up or the transport broke mid-body.
        return yield* Deferred.fail(result, Issues.unreadableBodyError())
      }
      for (const chunk of next.success) size += chunk.length
      if (size > maxBytes) return yield* Deferred.fail(result, tooLarge(maxBytes))
      for (const chunk of next.success) chunks.push(chunk)
    }
    if (size === 0) return yield* Deferred.succeed(result, empty)
    // A body its headers did not announce has its type checked once it is there.
    if (!announced && !json) return yield* Deferred.fail(result, notJsonType())
    return yield* Deferred.succeed(result, concat(chunks, size))
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
  const headers = announcesBody(original) && !isJsonContentType(original["content-type"])
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
