/**
 * How long a path parameter may be. The platform's router (`find-my-way`) matches no route at all
 * for a parameter over `maxParamLength`, 100 characters by default, so `/contacts/<101 characters>`
 * would be a 404 where the contract says `INVALID_CONTACT_ID`. errata lifts the router's limit and
 * lets the HTTP server's own limit on the request line (16 KiB of headers in Node) bound IDs.
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/** No limit of the router's own: the HTTP server's limit on the request line is the bound. */
export const MAX_PARAM_LENGTH = Number.MAX_SAFE_INTEGER

/**
 * Routers built under this layer (an `HttpApiBuilder.serve()` it is provided to, or an
 * `HttpRouter` served by an `HttpServer.serve` it is provided to, which builds its router on the
 * first request, in a fiber that inherits the layer's config) take path parameters of any length.
 * A `maxParamLength` already set with `HttpRouter.setRouterConfig` outside it is kept.
 */
export const layerLongParams: Layer.Layer<never> = Layer.scopedDiscard(
  Effect.locallyScopedWith(HttpRouter.currentRouterConfig, (config) =>
    config.maxParamLength === undefined ? { ...config, maxParamLength: MAX_PARAM_LENGTH } : config)
)

/**
 * Runs `effect` (which builds a router) with parameters of any length allowed and the rest of the
 * current config kept: a router errata builds to look a request up again must match whatever the
 * app's router matched.
 */
export const withLongParams = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.locallyWith(effect, HttpRouter.currentRouterConfig, (config) => ({ ...config, maxParamLength: MAX_PARAM_LENGTH }))
