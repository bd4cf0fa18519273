/**
 * The request ID one request carries from the first errata middleware that sees it to the
 * response, the log annotations and the server span. Shared by `ServerErrors` and `RateLimit` so
 * that either may run first and both agree on the ID.
 *
 * @internal
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { header, isSafe, logAnnotation, spanAttribute } from "@errata/dialect/RequestId"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"

// The rules (header, which IDs are echoed, fresh IDs) are the dialect's; this module carries the ID
// through Effect: the log annotations, the server span.
export { generate, generator, header } from "@errata/dialect/RequestId"

/**
 * The request ID of the request being handled, read back from the log annotations, which reach
 * every effect of the request whether tracing is on or not.
 */
export const current: Effect.Effect<string | undefined> = Effect.map(
  FiberRef.get(FiberRef.currentLogAnnotations),
  (annotations) => {
    const id = Option.getOrUndefined(HashMap.get(annotations, logAnnotation))
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
    const known = span?.attributes.get(spanAttribute)
    if (typeof known === "string") return f(known, request)
    const incoming = request.headers[header]
    const id = isSafe(incoming) ? incoming : generateId()
    span?.attribute(spanAttribute, id)
    const annotations = HashMap.set(fiber.getFiberRef(FiberRef.currentLogAnnotations), logAnnotation, id)
    return Effect.zipRight(FiberRef.set(FiberRef.currentLogAnnotations, annotations), f(id, request))
  })
