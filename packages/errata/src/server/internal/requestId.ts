/**
 * The request ID one request carries from the first errata middleware that sees it to the
 * response, the log annotations and the server span. The rules (the header, which IDs are echoed,
 * fresh IDs) are the dialect's; this module carries the ID through Effect.
 *
 * @internal
 */
import { header, isSafe, logAnnotation, spanAttribute } from "@errata/dialect/RequestId"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as References from "effect/References"
import * as Tracer from "effect/Tracer"

export { generate, generator, header } from "@errata/dialect/RequestId"

/**
 * The request ID of the request being handled, read back from the log annotations, which reach
 * every effect of the request whether tracing is on or not.
 */
export const current: Effect.Effect<string | undefined> = Effect.map(References.CurrentLogAnnotations, (annotations) => {
  const id = annotations[logAnnotation]
  return typeof id === "string" ? id : undefined
})

/**
 * Gives the request its ID once and runs `f` with it (and the request, which it has at hand).
 *
 * A second errata middleware on the same request (`RateLimit` inside `ServerErrors`) finds the ID
 * on the server span, which the platform makes per request, or else in the log annotation the
 * first one wrote into the request's fiber: computing another would overwrite that annotation, and
 * the lines logged after it (an access log, a log line of the app's own middleware) would carry
 * another ID than the response.
 *
 * The log annotation is written into the fiber's context (`Fiber.setContext`), not provided around
 * `f`: the platform runs each request in a fiber of its own and puts its context back once the
 * response is sent, and keeping the annotation until then is what puts the ID on the access log
 * `HttpMiddleware.logger` writes after the app. The router does the same with the route it found.
 */
export const withRequestId = <A, E, R>(
  generateId: () => string,
  f: (id: string, request: HttpServerRequest) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R | HttpServerRequest> =>
  Effect.withFiber((fiber) => {
    const context = fiber.context
    const request = Context.getUnsafe(context, HttpServerRequest)
    const parent = Context.getOrUndefined(context, Tracer.ParentSpan)
    const span = parent?._tag === "Span" ? parent : undefined
    const known = span?.attributes.get(spanAttribute) ?? fiber.getRef(References.CurrentLogAnnotations)[logAnnotation]
    if (typeof known === "string" && isSafe(known)) return f(known, request)
    const incoming = request.headers[header]
    const id = isSafe(incoming) ? incoming : generateId()
    span?.attribute(spanAttribute, id)
    const annotations = { ...fiber.getRef(References.CurrentLogAnnotations), [logAnnotation]: id }
    fiber.setContext(Context.add(context, References.CurrentLogAnnotations, annotations))
    return f(id, request)
  })
