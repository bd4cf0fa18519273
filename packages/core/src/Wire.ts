/**
 * The wire codec. `decode` turns any error response (parsed JSON, text, bytes, nothing) into one
 * of the fourteen errors and never fails; `encode` writes a catalog error exactly as SPEC.md §1
 * and §4 describe. Per-code schemas transform the wire body to the class and back for `HttpApi`
 * and users' own Schema code.
 *
 * @since 0.1.0
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Catalog from "@errata/dialect/Catalog"
import * as RetryAfter from "@errata/dialect/RetryAfter"
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

// The body `encode` writes.
interface WireBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown }
}

// Headers as a `Headers` object (fetch), a plain record (node, `@effect/platform`) or absent.
type HeadersInput =
  | { readonly get: (name: string) => string | null }
  | Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  | undefined

/**
 * What `decode` reads: the response status, its headers (a fetch `Headers`, a plain record, or
 * none) and its body in any form.
 *
 * @example
 * import { Wire } from "@errata/core"
 * const input: Wire.ResponseInput = { status: 503, headers: { "retry-after": "5" }, body: null }
 *
 * @since 0.1.0
 * @category models
 */
export interface ResponseInput {
  readonly status: number
  readonly headers?: HeadersInput
  /** Parsed JSON, text, bytes, or `null`/`undefined` for no body. */
  readonly body: unknown
  /** The clock (epoch ms) an HTTP-date `Retry-After` is measured from; defaults to `Date.now()`. */
  readonly now?: number
  /**
   * Set by a client that could not read the body whole, which the body cannot show: `TooLarge`
   * (cut at its size bound; `body` is what arrived) or `Undecodable` (in a content coding it does
   * not know, or that does not decode). The result is an `UnexpectedResponse` with that reason.
   */
  readonly unread?: "TooLarge" | "Undecodable" | undefined
}

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
export interface Encoded {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: WireBody
}

// One header, case-insensitively. Node and @effect/platform already lower-case header names, so
// the direct hit comes first and the scan only runs for a header that is absent or cased.
const headerLower = (headers: HeadersInput, lower: string): string | undefined => {
  const record: unknown = headers
  if (!Predicate.isRecord(record)) return undefined
  const get = record["get"]
  if (typeof get === "function") return firstString(get.call(headers, lower))
  const direct = record[lower]
  if (typeof direct === "string") return direct
  for (const key in record) {
    if (key.toLowerCase() === lower) return firstString(record[key])
  }
  return undefined
}

const firstString = (value: unknown): string | undefined => {
  if (typeof value === "string") return value
  const first: unknown = Array.isArray(value) ? value[0] : undefined
  return typeof first === "string" ? first : undefined
}

const utf8 = new TextDecoder("utf-8")

const bodyText = (body: unknown): string | undefined => {
  if (typeof body === "string") return body.charCodeAt(0) === 0xfeff ? body.slice(1) : body
  // TextDecoder drops a leading BOM and replaces invalid bytes, so any byte soup becomes text.
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) return utf8.decode(body)
  return undefined
}

// The longest body excerpt an `UnexpectedResponse` keeps, in UTF-16 code units (1 KiB of ASCII).
const excerptMaxLength = 1024

const boundedExcerpt = (text: string): string => {
  if (text.length <= excerptMaxLength) return text
  const cut = text.slice(0, excerptMaxLength)
  const last = cut.charCodeAt(cut.length - 1)
  // Never end on half a surrogate pair.
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut
}

const excerptOfValue = (value: unknown): string => {
  try {
    return boundedExcerpt(JSON.stringify(value) ?? String(value))
  } catch {
    return ""
  }
}

// Anything but JSON's own whitespace; the search stops at the first such character, so a huge
// body costs nothing.
const notBlank = /[^ \t\n\r]/

const errorObjectOf = (value: unknown): Readonly<Record<string, unknown>> | undefined => {
  if (!Predicate.isRecord(value)) return undefined
  const inner = value["error"]
  if (Predicate.isRecord(inner)) return inner
  return typeof value["code"] === "string" ? value : undefined
}

const hasRetryAfter = (details: unknown): boolean => {
  const value = Predicate.isRecord(details) ? details["retryAfter"] : undefined
  return typeof value === "number" && Number.isFinite(value) && value >= 0
}

// SPEC.md §3: a 429's wait is in `details.retryAfter`; one sent only as a header is folded in.
const withRetryAfterHeader = (details: unknown, input: ResponseInput): unknown => {
  if (hasRetryAfter(details)) return details
  if (details !== undefined && !Predicate.isRecord(details)) return details
  const wait = RetryAfter.parse(headerLower(input.headers, "retry-after"), input.now ?? Date.now())
  if (wait === undefined) return details
  return { ...details, retryAfter: RetryAfter.toSeconds(wait) }
}

// Any other wait the headers of a transient error name (a 503's, a proxy page's) is kept beside
// the error: only a retry reads it.
const withHeaderWait = <E extends ApiError.Any>(error: E, input: ResponseInput): E => {
  if (!error.transient) return error
  const retryAfter = headerLower(input.headers, "retry-after")
  const retryAfterMs = headerLower(input.headers, "retry-after-ms")
  if (retryAfter === undefined && retryAfterMs === undefined) return error
  const wait = RetryAfter.fromHeaders(retryAfterMs, retryAfter, input.now ?? Date.now())
  if (wait !== undefined) HeaderWait.record(error, wait)
  return error
}

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
  const requestId = headerLower(input.headers, "x-request-id")
  return withHeaderWait(
    input.unread === undefined
      ? decodeBody(input, requestId)
      : unexpected(input, requestId, input.unread, boundedExcerpt(bodyText(input.body) ?? "")),
    input
  )
}

const decodeBody = (input: ResponseInput, requestId: string | undefined): ApiError.Any => {
  const body = input.body
  const text = body === undefined || body === null ? "" : bodyText(body)
  // Already parsed: JSON in the wire format, or not.
  if (text === undefined) {
    return fromJson(body, input, requestId) ?? unexpected(input, requestId, "NotWireFormat", excerptOfValue(body))
  }
  if (!notBlank.test(text)) return unexpected(input, requestId, "EmptyBody", "")
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return unexpected(input, requestId, "InvalidJson", boundedExcerpt(text))
  }
  return fromJson(value, input, requestId) ?? unexpected(input, requestId, "NotWireFormat", boundedExcerpt(text))
}

// A parsed body in the wire format (enveloped or bare) as its error; `undefined` when it is not.
const fromJson = (value: unknown, input: ResponseInput, requestId: string | undefined): ApiError.Any | undefined => {
  const object = errorObjectOf(value)
  const code = object === undefined ? undefined : object["code"]
  if (object === undefined || typeof code !== "string" || code.length === 0) return undefined
  const message = object["message"]
  const rawDetails = object["details"] ?? undefined
  const entry = Catalog.byCode(code)
  if (entry !== undefined) {
    return ApiError.make(entry.code, {
      message: typeof message === "string" ? message : entry.message,
      details: entry.code === "RATE_LIMIT_EXCEEDED" ? withRetryAfterHeader(rawDetails, input) : rawDetails,
      requestId
    })
  }
  // Drift is rare: the plain constructor (validation off) is fast enough here.
  return new ApiError.UnknownApiError({
    code,
    status: input.status,
    message: typeof message === "string" ? message : `API error ${code}`,
    ...(rawDetails === undefined ? {} : { details: rawDetails }),
    ...(requestId === undefined ? {} : { requestId })
  }, true)
}

const unexpected = (
  input: ResponseInput,
  requestId: string | undefined,
  reason: ApiError.UnexpectedResponse["reason"],
  excerpt: string
): ApiError.UnexpectedResponse => {
  const contentType = headerLower(input.headers, "content-type")
  return new ApiError.UnexpectedResponse({
    reason,
    status: input.status,
    excerpt,
    ...(contentType === undefined ? {} : { contentType }),
    ...(requestId === undefined ? {} : { requestId })
  }, true)
}

// The `Retry-After` a 429 is written with when its details name no wait.
const defaultRetryAfterSeconds = 1

/**
 * Encodes an error as the response SPEC.md describes: its status, the enveloped body,
 * `Content-Type: application/json`, `X-Request-ID` when known, and for a 429 `Retry-After` in
 * whole seconds mirrored in `details.retryAfter`.
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
export const encode = (error: ApiError.ApiError | ApiError.UnknownApiError): Encoded => {
  const headers: Record<string, string> = { "content-type": "application/json" }
  if (error.requestId !== undefined) headers["x-request-id"] = error.requestId
  let details = error.details
  if (error._tag === "RateLimitExceeded" || (error._tag === "UnknownApiError" && error.status === 429)) {
    const wait = Predicate.isRecord(details) && hasRetryAfter(details) ? details["retryAfter"] : undefined
    const seconds = typeof wait === "number" ? RetryAfter.toSeconds(wait * 1000) : defaultRetryAfterSeconds
    headers["retry-after"] = String(seconds)
    details = { ...(Predicate.isRecord(details) ? details : {}), retryAfter: seconds }
  }
  return {
    status: error.status,
    headers,
    body: { error: { code: error.code, message: error.message, ...(details === undefined ? {} : { details }) } }
  }
}


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
