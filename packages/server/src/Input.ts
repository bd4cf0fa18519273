/**
 * Decoding the parts of a request in hand-written `HttpRouter` routes, failing with the catalog
 * error of the part: the body with `VALIDATION_ERROR`, the query with `MISSING_QUERY` or
 * `INVALID_INPUT`, the path with `INVALID_*_ID` (for `Ids` schemas) or `INVALID_INPUT`.
 *
 * The platform's own decoders (`HttpServerRequest.schemaBodyJson`, `HttpRouter.schemaParams`)
 * fail with a bare `ParseError` that does not say where it came from; errata cannot tell it from a
 * `ParseError` of the server's own data, so it answers those with `INTERNAL_ERROR`. Use these
 * instead. `HttpApi` endpoints need none of this: the middleware classifies their decode failures.
 *
 * @example
 * import { HttpRouter, HttpServerResponse } from "@effect/platform"
 * import { Effect, Schema } from "effect"
 * import { Ids } from "@errata/api"
 * import { Input } from "@errata/server"
 *
 * const route = HttpRouter.get(
 *   "/contacts/:contactId",
 *   Effect.gen(function*() {
 *     const { contactId } = yield* Input.path(Schema.Struct({ contactId: Ids.ContactId }))
 *     const { limit } = yield* Input.query(Schema.Struct({ limit: Schema.NumberFromString }))
 *     return yield* HttpServerResponse.json({ contactId, limit })
 *   })
 * )
 *
 * @since 0.1.0
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import type { ApiError } from "@errata/core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Body from "./internal/body.js"
import * as Internal from "./internal/input.js"

const allErrors = { errors: "all", onExcessProperty: "ignore" } as const

/**
 * Reads the body as JSON and decodes it. A body that does not match fails with `VALIDATION_ERROR`
 * and one issue per failing field, its path inside the body; one that cannot be JSON of this
 * request (larger than the limit, a `Content-Type` other than `application/json`, bytes that are
 * not UTF-8, nested deeper than the limit, not JSON) with `VALIDATION_ERROR` and one issue at
 * path `[]`. The limits are those of `ServerErrors.make` when its middleware runs outside the
 * route, else its defaults (1 MiB, 64 levels).
 *
 * @example
 * import { HttpRouter, HttpServerResponse } from "@effect/platform"
 * import { Effect, Schema } from "effect"
 * import { Input } from "@errata/server"
 *
 * const create = HttpRouter.post(
 *   "/contacts",
 *   Effect.flatMap(Input.body(Schema.Struct({ name: Schema.NonEmptyString })), (contact) => HttpServerResponse.json(contact))
 * )
 *
 * @since 0.1.0
 * @category decoding
 */
export const body = <A, I, R>(
  schema: Schema.Schema<A, I, R>
): Effect.Effect<A, ApiError.ValidationError, R | HttpServerRequest.HttpServerRequest> => {
  const decode = Schema.decodeUnknown(schema, allErrors)
  // errata's one body reader, with the middleware's limits when `ServerErrors` runs outside.
  return Effect.flatMap(Body.json, (json) => Effect.catchAll(decode(json), (e) => Effect.flip(Internal.bodyError(e.issue))))
}

/**
 * Decodes the query string. A required parameter that is absent fails with `MISSING_QUERY`
 * (`details.parameter`); a value that does not decode with `INVALID_INPUT`, issues rooted at the
 * parameter name.
 *
 * @example
 * import { HttpRouter, HttpServerResponse } from "@effect/platform"
 * import { Effect, Schema } from "effect"
 * import { Input } from "@errata/server"
 *
 * const search = HttpRouter.get(
 *   "/contacts",
 *   Effect.flatMap(Input.query(Schema.Struct({ q: Schema.String })), ({ q }) => HttpServerResponse.text(q))
 * )
 *
 * @since 0.1.0
 * @category decoding
 */
export const query = <A, I, R>(
  schema: Schema.Schema<A, I, R>
): Effect.Effect<A, ApiError.MissingQuery | ApiError.InvalidInput, R | HttpServerRequest.ParsedSearchParams> => {
  const decode = Schema.decodeUnknown(schema, allErrors)
  return Effect.flatMap(HttpServerRequest.ParsedSearchParams, (params) =>
    Effect.catchAll(
      decode(Internal.normalizeQuery(params, schema.ast)),
      (e) => Effect.flip(Internal.queryError(e.issue))
    ))
}

/**
 * Decodes the path parameters of the route. An `Ids` schema (or a refinement of one) fails with
 * its resource's code and `details.value`; anything else with `INVALID_INPUT`.
 *
 * @example
 * import { HttpRouter, HttpServerResponse } from "@effect/platform"
 * import { Effect, Schema } from "effect"
 * import { Ids } from "@errata/api"
 * import { Input } from "@errata/server"
 *
 * const get = HttpRouter.get(
 *   "/contacts/:contactId",
 *   Effect.flatMap(Input.path(Schema.Struct({ contactId: Ids.ContactId })), ({ contactId }) => HttpServerResponse.text(contactId))
 * )
 *
 * @since 0.1.0
 * @category decoding
 */
export const path = <A, I, R>(
  schema: Schema.Schema<A, I, R>
): Effect.Effect<
  A,
  ApiError.InvalidContactId | ApiError.InvalidMessageId | ApiError.InvalidBusinessId | ApiError.InvalidInput,
  R | HttpRouter.RouteContext
> => {
  const decode = Schema.decodeUnknown(schema, allErrors)
  return Effect.flatMap(HttpRouter.RouteContext, (route) =>
    Effect.catchAll(decode(route.params), (e) => Effect.flip(Internal.pathError(e.issue))))
}
