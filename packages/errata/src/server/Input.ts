/**
 * Decoding the parts of a request in hand-written `HttpRouter` routes, failing with the catalog
 * error of the part: the body with `VALIDATION_ERROR`, the query with `MISSING_QUERY` or
 * `INVALID_INPUT`, the path with `INVALID_*_ID` (for `Ids` schemas) or `INVALID_INPUT`. Every
 * failing field is listed (`errors: "all"`), in words for people.
 *
 * The parts are decoded as `HttpApi` decodes them: the body with the schema's JSON codec
 * (`Schema.toCodecJson`), the query and the path with its string codec (`Schema.toCodecStringTree`,
 * so `Schema.Int` reads `"10"`), a query value given once for an array accepted as one item.
 *
 * The platform's own decoders (`HttpServerRequest.schemaBodyJson`, `HttpRouter.schemaParams`)
 * fail with a bare `SchemaError` that does not say where it came from; errata cannot tell it from
 * a `SchemaError` of the server's own data, so it answers those with `INTERNAL_ERROR`. Use these
 * instead. `HttpApi` endpoints need none of this: the middleware answers their decode failures.
 *
 * @example
 * import { Effect, Schema } from "effect"
 * import { HttpRouter, HttpServerResponse } from "effect/http"
 * import { Ids } from "errata/api"
 * import { Input } from "errata/server"
 *
 * const route = HttpRouter.add(
 *   "GET",
 *   "/contacts/:contactId",
 *   Effect.gen(function*() {
 *     const { contactId } = yield* Input.path(Schema.Struct({ contactId: Ids.ContactId }))
 *     const { limit } = yield* Input.query(Schema.Struct({ limit: Schema.Int }))
 *     return HttpServerResponse.jsonUnsafe({ contactId, limit })
 *   })
 * )
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as Schema from "effect/Schema"
import type * as ApiError from "../ApiError.js"
import * as Body from "./internal/body.js"
import * as Issues from "./internal/issues.js"

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
 * import { Effect, Schema } from "effect"
 * import { HttpRouter, HttpServerResponse } from "effect/http"
 * import { Input } from "errata/server"
 *
 * const create = HttpRouter.add(
 *   "POST",
 *   "/contacts",
 *   Effect.map(Input.body(Schema.Struct({ name: Schema.NonEmptyString })), (contact) => HttpServerResponse.jsonUnsafe(contact))
 * )
 *
 * @since 0.1.0
 * @category decoding
 */
export const body = <S extends Schema.Constraint>(
  schema: S
): Effect.Effect<S["Type"], ApiError.ValidationError, S["DecodingServices"] | HttpServerRequest.HttpServerRequest> => {
  const decode = Schema.decodeUnknownEffect(Schema.toCodecJson(schema), allErrors)
  // errata's one body reader, with the middleware's limits when `ServerErrors` runs outside.
  return Effect.flatMap(Body.json, (json) => Effect.mapError(decode(json), (error) => Issues.bodyError(error.issue)))
}

/**
 * Decodes the query string. A required parameter that is absent fails with `MISSING_QUERY`
 * (`details.parameter`); a value that does not decode with `INVALID_INPUT`, issues rooted at the
 * parameter name.
 *
 * @example
 * import { Effect, Schema } from "effect"
 * import { HttpRouter, HttpServerResponse } from "effect/http"
 * import { Input } from "errata/server"
 *
 * const search = HttpRouter.add(
 *   "GET",
 *   "/contacts",
 *   Effect.map(Input.query(Schema.Struct({ q: Schema.String })), ({ q }) => HttpServerResponse.text(q))
 * )
 *
 * @since 0.1.0
 * @category decoding
 */
export const query = <S extends Schema.Constraint>(
  schema: S
): Effect.Effect<
  S["Type"],
  ApiError.MissingQuery | ApiError.InvalidInput,
  S["DecodingServices"] | HttpServerRequest.ParsedSearchParams
> => {
  const decode = Schema.decodeUnknownEffect(Schema.toCodecArrayFromSingle(Schema.toCodecStringTree(schema)), allErrors)
  return Effect.flatMap(
    HttpServerRequest.ParsedSearchParams,
    (params) => Effect.mapError(decode(params), (error) => Issues.queryError(error.issue))
  )
}

/**
 * Decodes the path parameters of the route. An `Ids` schema (or a refinement of one) fails with
 * its resource's code and `details.value`; anything else with `INVALID_INPUT`.
 *
 * @example
 * import { Effect, Schema } from "effect"
 * import { HttpRouter, HttpServerResponse } from "effect/http"
 * import { Ids } from "errata/api"
 * import { Input } from "errata/server"
 *
 * const get = HttpRouter.add(
 *   "GET",
 *   "/contacts/:contactId",
 *   Effect.map(Input.path(Schema.Struct({ contactId: Ids.ContactId })), ({ contactId }) => HttpServerResponse.text(contactId))
 * )
 *
 * @since 0.1.0
 * @category decoding
 */
export const path = <S extends Schema.Constraint>(
  schema: S
): Effect.Effect<
  S["Type"],
  ApiError.InvalidContactId | ApiError.InvalidMessageId | ApiError.InvalidBusinessId | ApiError.InvalidInput,
  S["DecodingServices"] | HttpRouter.RouteContext
> => {
  const decode = Schema.decodeUnknownEffect(Schema.toCodecStringTree(schema), allErrors)
  return Effect.flatMap(
    HttpRouter.RouteContext,
    (route) => Effect.mapError(decode(route.params), (error) => Issues.pathError(error.issue, route.params))
  )
}
