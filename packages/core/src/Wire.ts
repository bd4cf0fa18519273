/**
 * The wire codec. `decode` turns any error response (parsed JSON, text, bytes, nothing) into one
 * of the fourteen errors and never fails; `encode` writes a catalog error exactly as SPEC.md §1
 * and §4 describe. Per-code schemas transform the wire body to the class and back for `HttpApi`
 * and users' own Schema code.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as ApiError from "./ApiError.js"
import * as Catalog from "./Catalog.js"
import * as RetryAfter from "./RetryAfter.js"

/**
 * The error object inside the envelope, with the code as an enum of the catalog.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ErrorObject = Schema.Struct({
  code: Schema.Literal(...Catalog.codes),
  message: Schema.String,
  details: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
}).annotations({ identifier: "ErrorObject" })

/**
 * The documented error body, `{ "error": { "code", "message", "details" } }`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Body = Schema.Struct({ error: ErrorObject }).annotations({ identifier: "ErrorBody" })

/**
 * The body `encode` writes.
 *
 * @since 0.1.0
 * @category models
 */
export interface WireBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown }
}

/**
 * Headers as a `Headers` object (fetch), a plain record (node, `@effect/platform`) or absent.
 *
 * @since 0.1.0
 * @category models
 */
export type HeadersInput =
  | { readonly get: (name: string) => string | null }
  | Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  | undefined

/**
 * What `decode` reads: the response status, its headers and its body in any form.
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
}

/**
 * What `encode` returns: ready for any HTTP server.
 *
 * @since 0.1.0
 * @category models
 */
export interface Encoded {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: WireBody
}

/**
 * Reads one header, case-insensitively, from any of the accepted header forms.
 *
 * @since 0.1.0
 * @category headers
 */
export const header = (headers: HeadersInput, name: string): string | undefined =>
  headerLower(headers, name.toLowerCase())

const headerLower = (headers: HeadersInput, lower: string): string | undefined => {
  const record: unknown = headers
  if (!Predicate.isRecord(record)) return undefined
  const get = record["get"]
  if (typeof get === "function") {
    const value: unknown = get.call(headers, lower)
    return typeof value === "string" ? value : undefined
  }
  // Node and @effect/platform already lower-case header names: try the direct hit first.
  const direct = record[lower]
  if (typeof direct === "string") return direct
  for (const key in record) {
    if (key.toLowerCase() !== lower) continue
    const value = record[key]
    if (typeof value === "string") return value
    if (Array.isArray(value)) {
      const first: unknown = value[0]
      return typeof first === "string" ? first : undefined
    }
  }
  return undefined
}

const utf8 = new TextDecoder("utf-8")

const bodyText = (body: unknown): string | undefined => {
  if (typeof body === "string") return body.charCodeAt(0) === 0xfeff ? body.slice(1) : body
  // TextDecoder drops a leading BOM and replaces invalid bytes, so any byte soup becomes text.
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) return utf8.decode(body)
  return undefined
}

const boundedExcerpt = (text: string): string => {
  if (text.length <= ApiError.EXCERPT_MAX_LENGTH) return text
  const cut = text.slice(0, ApiError.EXCERPT_MAX_LENGTH)
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

type Parsed = { readonly _tag: "Json"; readonly value: unknown; readonly text: string | undefined } | {
  readonly _tag: "Empty"
} | { readonly _tag: "Invalid"; readonly text: string }

const excerptOf = (parsed: Parsed): string => {
  switch (parsed._tag) {
    case "Empty":
      return ""
    case "Invalid":
      return boundedExcerpt(parsed.text)
    case "Json":
      return parsed.text === undefined ? excerptOfValue(parsed.value) : boundedExcerpt(parsed.text)
  }
}

// JSON's own whitespace; scanning stops at the first other character, so a huge body costs nothing.
const isBlank = (text: string): boolean => {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false
  }
  return true
}

const parseBody = (body: unknown): Parsed => {
  if (body === undefined || body === null) return { _tag: "Empty" }
  const text = bodyText(body)
  if (text === undefined) return { _tag: "Json", value: body, text: undefined }
  if (isBlank(text)) return { _tag: "Empty" }
  try {
    return { _tag: "Json", value: JSON.parse(text), text }
  } catch {
    return { _tag: "Invalid", text }
  }
}

const errorObjectOf = (value: unknown): Readonly<Record<string, unknown>> | undefined => {
  if (!Predicate.isRecord(value)) return undefined
  const inner = value["error"]
  if (Predicate.isRecord(inner)) return inner
  return typeof value["code"] === "string" ? value : undefined
}

const withRetryAfterHeader = (details: unknown, input: ResponseInput): unknown => {
  if (ApiError.retryAfterOf(details) !== undefined) return details
  if (details !== undefined && !Predicate.isRecord(details)) return details
  const wait = RetryAfter.parse(headerLower(input.headers, "retry-after"), input.now ?? Date.now())
  if (wait === undefined) return details
  return { ...details, retryAfter: RetryAfter.toSeconds(wait) }
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
 * - a 429 whose body lacks `details.retryAfter` takes the `Retry-After` header into it.
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
  const body = input.body
  // The common case, a JSON object as text, skips the general body handling.
  if (typeof body === "string" && body.charCodeAt(0) === 0x7b) {
    let value: unknown
    try {
      value = JSON.parse(body)
    } catch {
      return unexpected(input, requestId, { _tag: "Invalid", text: body })
    }
    return fromJson(value, input, requestId) ?? unexpected(input, requestId, { _tag: "Json", value, text: body })
  }
  const parsed = parseBody(body)
  return (parsed._tag === "Json" ? fromJson(parsed.value, input, requestId) : undefined) ??
    unexpected(input, requestId, parsed)
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

const unexpected = (input: ResponseInput, requestId: string | undefined, parsed: Parsed): ApiError.UnexpectedResponse => {
  const contentType = headerLower(input.headers, "content-type")
  return new ApiError.UnexpectedResponse({
    reason: parsed._tag === "Empty" ? "EmptyBody" : parsed._tag === "Invalid" ? "InvalidJson" : "NotWireFormat",
    status: input.status,
    excerpt: excerptOf(parsed),
    ...(contentType === undefined ? {} : { contentType }),
    ...(requestId === undefined ? {} : { requestId })
  }, true)
}

/**
 * The `Retry-After` a 429 is written with when its details name no wait.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_RETRY_AFTER_SECONDS = 1

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
    const wait = ApiError.retryAfterOf(details)
    const seconds = wait === undefined ? DEFAULT_RETRY_AFTER_SECONDS : RetryAfter.toSeconds(wait)
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
 * The wire body of one code, as a schema.
 *
 * @since 0.1.0
 * @category schemas
 */
export interface BodyOf<C extends Catalog.Code> {
  readonly error: { readonly code: C; readonly message: string; readonly details?: unknown }
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
export const schema = <C extends Catalog.Code>(code: C): Schema.Schema<ApiError.ApiErrorOf<C>, BodyOf<C>> => {
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

/**
 * The wait the server asked for in `details.retryAfter` (a 429 always names one; a 503 may), with
 * a 429's `Retry-After` header already folded in by `decode`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const retryAfter = (error: ApiError.Any): Duration.Duration | undefined =>
  "details" in error ? ApiError.retryAfterOf(error.details) : undefined
