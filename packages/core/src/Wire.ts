/**
 * The wire codec. `decode` turns any error response (parsed JSON, text, bytes, nothing) into one
 * of the fourteen errors and never fails; `encode` writes a catalog error exactly as SPEC.md §1
 * and §4 describe. Per-code schemas transform the wire body to the class and back for `HttpApi`
 * and users' own Schema code.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Catalog from "@errata/dialect/Catalog"
import * as WireFormat from "@errata/dialect/WireFormat"
import * as ApiError from "./ApiError.js"
import * as HeaderWait from "./internal/retryAfter.js"

// The error object inside the envelope, with the code as an enum of the catalog.
const ErrorObject = Schema.Struct({
  code: Schema.Literal(...Catalog.codes),
  message: Schema.String,
  details: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
}).annotations({ identifier: "ErrorObject" })

/**
 * The documented error body, `{ "error": { "code", "message", "details" } }`, with `code` as the
 * enum of the catalog: for OpenAPI documents and for checking bodies in tests.
 *
 * @example
 * import { Schema } from "effect"
 * import { Wire } from "@errata/core"
 * Schema.is(Wire.Body)({ error: { code: "NOT_FOUND", message: "Contact not found" } }) // true
 *
 * @since 0.1.0
 * @category schemas
 */
export const Body = Schema.Struct({ error: ErrorObject }).annotations({ identifier: "ErrorBody" })

/**
 * What `decode` reads: the response status, its headers (a fetch `Headers`, a plain record, or
 * none) and its body in any form; `unread` is set by a client that could not read the body whole
 * (`TooLarge`, `Undecodable`), which gives an `UnexpectedResponse` with that reason.
 *
 * @example
 * import { Wire } from "@errata/core"
 * const input: Wire.ResponseInput = { status: 503, headers: { "retry-after": "5" }, body: null }
 *
 * @since 0.1.0
 * @category models
 */
export interface ResponseInput extends WireFormat.ResponseInput {}

/**
 * What `encode` returns: ready for any HTTP server.
 *
 * @example
 * import { ApiError, Wire } from "@errata/core"
 * const { body, headers, status }: Wire.Encoded = Wire.encode(new ApiError.NotFound())
 *
 * @since 0.1.0
 * @category models
 */
export interface Encoded extends WireFormat.Written {}

/**
 * Decodes any error response into one of the fourteen errors. Total: whatever the input, it
 * returns an error value and never throws.
 *
 * - `{ error: { code, message, details } }` and the bare `{ code, message, details }` are read;
 * - a catalog code gives its class, with the raw `details` kept and `message` defaulting to the
 *   catalog's when the body has none;
 * - another code gives `UnknownApiError` with code, status, message and details kept;
 * - anything else gives `UnexpectedResponse` with a bounded excerpt;
 * - a 429 whose body lacks `details.retryAfter` takes the `Retry-After` header into it, and any
 *   other wait the headers of a transient error name is kept for `ApiError.retryAfter`.
 *
 * The reading is `@errata/dialect`'s `WireFormat.read`, which both editions share.
 *
 * @example
 * import { Wire } from "@errata/core"
 * const error = Wire.decode({
 *   status: 404,
 *   headers: { "x-request-id": "req_1" },
 *   body: '{"error":{"code":"NOT_FOUND","message":"Contact not found"}}'
 * })
 * error._tag // "NotFound"
 * error.requestId // "req_1"
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = (input: ResponseInput): ApiError.Any => {
  const error = errorOf(WireFormat.read(input))
  // The wait a transient error's fields have no room for (a 503's, a proxy page's) is kept beside it.
  if (error.transient) HeaderWait.record(error, WireFormat.headerWait(input))
  return error
}

// The description is the props of the class. Drift is rare: the plain constructors (validation
// off) are fast enough for it; a catalog error is built directly, as `ApiError.make` does.
const errorOf = (found: WireFormat.Description): ApiError.Any =>
  found._tag === "UnknownApiError"
    ? new ApiError.UnknownApiError(found, true)
    : found._tag === "UnexpectedResponse"
    ? new ApiError.UnexpectedResponse(found, true)
    : ApiError.make(found.code, found)

/**
 * Encodes an error as the response SPEC.md describes: its status, the enveloped body,
 * `Content-Type: application/json`, `X-Request-ID` when known, and for a 429 `Retry-After` in
 * whole seconds mirrored in `details.retryAfter`. The writing is `@errata/dialect`'s
 * `WireFormat.write`, which both editions share.
 *
 * @example
 * import { ApiError, Wire } from "@errata/core"
 * Wire.encode(new ApiError.NotFound({ message: "Contact not found" }))
 * // { status: 404, headers: { "content-type": "application/json" },
 * //   body: { error: { code: "NOT_FOUND", message: "Contact not found" } } }
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode: (error: ApiError.ApiError | ApiError.UnknownApiError) => Encoded = WireFormat.write

/**
 * A schema from the wire body of one code to its error class and back, for `HttpApi` error
 * declarations and users' own Schema code. The request ID travels in a header, not here.
 *
 * @example
 * import { Schema } from "effect"
 * import { Wire } from "@errata/core"
 * const NotFoundBody = Wire.schema("NOT_FOUND")
 * Schema.decodeUnknownSync(NotFoundBody)({ error: { code: "NOT_FOUND", message: "gone" } })._tag // "NotFound"
 *
 * @since 0.1.0
 * @category schemas
 */
export const schema = <C extends Catalog.Code>(code: C): Schema.Schema<
  ApiError.ApiErrorOf<C>,
  // Written out rather than named: a local name would be one the users' declarations cannot reach.
  { readonly error: { readonly code: C; readonly message: string; readonly details?: unknown } }
> => {
  const entry = Catalog.entries[code]
  const body = Schema.Struct({
    error: Schema.Struct({
      code: Schema.Literal(code),
      message: Schema.String,
      details: Schema.optional(Schema.Unknown)
    })
  })
  const instance = Schema.declare(
    (u): u is ApiError.ApiErrorOf<C> => ApiError.isApiError(u) && u.code === code,
    { identifier: entry.tag }
  )
  return Schema.transform(body, instance, {
    strict: true,
    decode: ({ error }) => ApiError.make(code, error),
    encode: (e) => ({ error: { ...encode(e).body.error, code } })
  }).annotations({ identifier: `${entry.tag}Body`, description: entry.message })
}
