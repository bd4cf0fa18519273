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

/** @internal */
export const HEADER = "x-request-id"

/** @internal */
export const LOG_ANNOTATION = "requestId"

/** @internal */
export const SPAN_ATTRIBUTE = "http.request.id"

const safe = /^[A-Za-z0-9._:-]{1,128}$/

/** @internal */
export const isSafe = (value: unknown): value is string => typeof value === "string" && safe.test(value)

// 64 random bits per process (per worker thread, as each loads its own copy of this module), so
// that IDs from different instances do not meet, and a decimal counter after them, so that IDs of
// one instance do not either. Under load a random UUID costs the server about 1 µs to make and,
// as Node builds it by concatenation, as much again to check as a header value (see `generate`).
const processPrefix = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(8)), (byte) =>
  byte.toString(16).padStart(2, "0")).join("")
const idPrefix = `${processPrefix}-`
let counter = 0

/** @internal */
export const generate = (): string => {
  const id = idPrefix + ++counter
  // V8 makes a concatenation of 13 characters or more a rope of its two halves. Node checks every
  // header value with a regular expression, which copies a rope on a slow path: under load, 1 µs a
  // request and more garbage. Reading a character copies it once, here, into one flat string.
  id.charCodeAt(0)
  return id
}

/**
 * The request ID of the request being handled, read back from the log annotations, which reach
 * every effect of the request whether tracing is on or not.
 *
 * @internal
 */
export const current: Effect.Effect<string | undefined> = Effect.map(
  FiberRef.get(FiberRef.currentLogAnnotations),
  (annotations) => {
    const id = Option.getOrUndefined(HashMap.get(annotations, LOG_ANNOTATION))
    return typeof id === "string" ? id : undefined
  }
)

/**
 * Gives the request its ID once and runs `f` with it.
 *
 * A second errata middleware on the same request (`RateLimit` outside `ServerErrors`, say) finds
 * the ID on the server span, which the platform makes per request; without a span each computes
 * its own, which only matters when both answer, and only one ever does. Nothing is written on the
 * request object: a property added to it costs more than the whole middleware, as it makes the
 * platform's request handling polymorphic.
 *
 * The log annotation is set, not scoped (`Effect.locally` also costs more than the rest): a
 * platform server runs each request in a fiber of its own, and keeping the annotation for the rest
 * of that fiber is what puts the ID on the access log `HttpMiddleware.logger` writes after the app.
 *
 * @internal
 */
export const withRequestId = <A, E, R>(
  generateId: () => string,
  f: (id: string) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.withFiberRuntime((fiber) => {
    const span = fiber.currentSpan?._tag === "Span" ? fiber.currentSpan : undefined
    const known = span?.attributes.get(SPAN_ATTRIBUTE)
    if (typeof known === "string") return f(known)
    const incoming = Context.unsafeGet(fiber.currentContext, HttpServerRequest.HttpServerRequest).headers[HEADER]
    const id = isSafe(incoming) ? incoming : generateId()
    span?.attribute(SPAN_ATTRIBUTE, id)
    const annotations = HashMap.set(fiber.getFiberRef(FiberRef.currentLogAnnotations), LOG_ANNOTATION, id)
    if (canSetInPlace(fiber)) {
      fiber.setFiberRef(FiberRef.currentLogAnnotations, annotations)
      return f(id)
    }
    return Effect.zipRight(FiberRef.set(FiberRef.currentLogAnnotations, annotations), f(id))
  })

// The fiber's own `setFiberRef`, called from inside the fiber as `FiberRef.set` itself does, saves
// the three run-loop steps of `FiberRef.set` on every request. It is not on the public
// `RuntimeFiber` interface, so it is looked for, and `FiberRef.set` is used should an Effect
// release not have it.
interface SettableFiber {
  setFiberRef<A>(fiberRef: FiberRef.FiberRef<A>, value: A): void
}

const canSetInPlace = (fiber: object): fiber is SettableFiber =>
  "setFiberRef" in fiber && typeof fiber.setFiberRef === "function"
