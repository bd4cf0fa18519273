/**
 * The request ID one request carries from the first errata middleware that sees it to the
 * response, the log annotations and the server span. Shared by `ServerErrors` and `RateLimit` so
 * that either may run first and both agree on the ID.
 *
 * @internal
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"

/** The header, lower-cased as `@effect/platform` keeps headers. */
export const HEADER = "x-request-id"

/** The log annotation key. */
export const LOG_ANNOTATION = "requestId"

/** The attribute of the server span. */
export const SPAN_ATTRIBUTE = "http.request.id"

const safe = /^[\w.:-]{1,128}$/

/**
 * Whether an incoming `X-Request-ID` may be echoed: 1 to 128 characters of `[A-Za-z0-9._:-]`.
 * Anything else is replaced, so a client cannot inject headers or log lines through it.
 */
export const isSafe = (value: unknown): value is string => typeof value === "string" && safe.test(value)

// 64 random bits per process (per worker thread, as each loads its own copy of this module), so
// that IDs from different instances do not meet, and a decimal counter after them, so that IDs of
// one instance do not either: far cheaper than a random UUID per request.
const processPrefix = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(8)), (byte) =>
  byte.toString(16).padStart(2, "0")).join("")
const idPrefix = `${processPrefix}-`
let counter = 0

/** The default generator: this process's random prefix, a dash, a counter. */
export const generate = (): string => idPrefix + ++counter

/**
 * The generator of a `generateRequestId` option: a generated ID goes into a header as it is, so
 * one the header cannot carry falls back to the default. Shared by `ServerErrors` and `NodeServer`.
 */
export const generator = (custom: (() => string) | undefined): (() => string) =>
  custom === undefined ? generate : () => {
    const id = custom()
    return isSafe(id) ? id : generate()
  }

/**
 * The request ID of the request being handled, read back from the log annotations, which reach
 * every effect of the request whether tracing is on or not.
 */
export const current: Effect.Effect<string | undefined> = Effect.map(
  FiberRef.get(FiberRef.currentLogAnnotations),
  (annotations) => {
    const id = Option.getOrUndefined(HashMap.get(annotations, LOG_ANNOTATION))
    return typeof id === "string" ? id : undefined
  }
)

/**
 * Gives the request its ID once and runs `f` with it (and the request, which it has at hand).
 *
 * A second errata middleware on the same request (`RateLimit` outside `ServerErrors`, say) finds
 * the ID on the server span, which the platform makes per request; without a span each computes
 * its own, which only matters when both answer, and only one ever does. Nothing is written on the
 * request object: a property added to it makes the platform's request handling polymorphic.
 *
 * The log annotation is set with `FiberRef.set`, not scoped: a platform server runs each request
 * in a fiber of its own, and keeping the annotation for the rest of that fiber is what puts the ID
 * on the access log `HttpMiddleware.logger` writes after the app.
 */
export const withRequestId = <A, E, R>(
  generateId: () => string,
  f: (id: string, request: HttpServerRequest.HttpServerRequest) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.withFiberRuntime((fiber) => {
    const request = Context.unsafeGet(fiber.currentContext, HttpServerRequest.HttpServerRequest)
    const span = fiber.currentSpan?._tag === "Span" ? fiber.currentSpan : undefined
    const known = span?.attributes.get(SPAN_ATTRIBUTE)
    if (typeof known === "string") return f(known, request)
    const incoming = request.headers[HEADER]
    const id = isSafe(incoming) ? incoming : generateId()
    span?.attribute(SPAN_ATTRIBUTE, id)
    const annotations = HashMap.set(fiber.getFiberRef(FiberRef.currentLogAnnotations), LOG_ANNOTATION, id)
    return Effect.zipRight(FiberRef.set(FiberRef.currentLogAnnotations, annotations), f(id, request))
  })
