/**
 * The wire format of SPEC.md §1, §3, §4 and §7, read and written without Effect. `read` takes any
 * error response (parsed JSON, text, bytes, nothing) to a plain description of the error it
 * carries, and never throws; `write` gives the status, headers and body a server sends for an
 * error. Each edition maps the description to its own error classes and writes its classes with
 * `write`, so both read and write the same bytes.
 *
 * @since 0.1.0
 */
import * as Catalog from "./Catalog.js"
import * as RetryAfter from "./RetryAfter.js"

/**
 * Response headers in the forms a client meets: a fetch `Headers`, a plain record (Node,
 * Effect's `Headers`), or none.
 *
 * @example
 * import type { WireFormat } from "@errata/dialect"
 * const headers: WireFormat.HeadersInput = { "x-request-id": "req_1" }
 *
 * @since 0.1.0
 * @category models
 */
export type HeadersInput =
  | { readonly get: (name: string) => string | null }
  | Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  | undefined

/**
 * What `read` reads: the response status, its headers and its body in any form.
 *
 * @example
 * import type { WireFormat } from "@errata/dialect"
 * const input: WireFormat.ResponseInput = { status: 503, headers: { "retry-after": "5" }, body: null }
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
   * not know, or that does not decode). The description is then `UnexpectedResponse` with that reason.
   */
  readonly unread?: "TooLarge" | "Undecodable" | undefined
}

/**
 * Why a response is not the wire format: `EmptyBody`, `InvalidJson`, `NotWireFormat` (JSON, not
 * the error format), and the two a client reports through `ResponseInput.unread`.
 *
 * @example
 * import type { WireFormat } from "@errata/dialect"
 * const reason: WireFormat.Reason = "InvalidJson"
 *
 * @since 0.1.0
 * @category models
 */
export type Reason = "EmptyBody" | "InvalidJson" | "NotWireFormat" | "TooLarge" | "Undecodable"

/**
 * What `read` found: the fields of the error it is, as the error classes of every edition hold
 * them (and as their JSON form shows them), `_tag` included. A catalog code has its class's tag
 * (`NotFound`), a well-formed body with another code is an `UnknownApiError`, a body that is not
 * the wire format an `UnexpectedResponse`. Optional fields are absent, never `undefined`, so the
 * description is the props of the edition's class as it is.
 *
 * @example
 * import { WireFormat } from "@errata/dialect"
 * const found: WireFormat.Description = WireFormat.read({ status: 404, body: '{"code":"NOT_FOUND","message":"gone"}' })
 * found._tag // "NotFound"
 *
 * @since 0.1.0
 * @category models
 */
export type Description =
  | {
    readonly _tag: Catalog.Tag
    readonly code: Catalog.Code
    readonly message: string
    readonly details?: unknown
    readonly requestId?: string
  }
  | {
    readonly _tag: "UnknownApiError"
    readonly code: string
    readonly status: number
    readonly message: string
    readonly details?: unknown
    readonly requestId?: string
  }
  | {
    readonly _tag: "UnexpectedResponse"
    readonly reason: Reason
    readonly status: number
    /** At most 1024 UTF-16 code units of the body, never half a surrogate pair. */
    readonly excerpt: string
    readonly contentType?: string
    readonly requestId?: string
  }

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * One header, case-insensitively; the first value of a repeated one.
 *
 * @example
 * import { WireFormat } from "@errata/dialect"
 * WireFormat.header({ "X-Request-ID": "req_1" }, "x-request-id") // "req_1"
 *
 * @since 0.1.0
 * @category headers
 */
export const header = (headers: HeadersInput, lower: string): string | undefined => {
  if (!isRecord(headers)) return undefined
  const record: Readonly<Record<string, unknown>> = headers
  const get = record["get"]
  if (typeof get === "function") return firstString(get.call(headers, lower))
  // Node and Effect already lower-case header names: the direct hit comes first, and the scan only
  // runs for a header that is absent or cased.
  const direct = record[lower]
  if (typeof direct === "string") return direct
  for (const key in record) {
    if (key.toLowerCase() === lower) return firstString(record[key])
  }
  return undefined
}

const firstString = (value: unknown): string | undefined => {
  const first: unknown = Array.isArray(value) ? value[0] : value
  return typeof first === "string" ? first : undefined
}

const utf8 = new TextDecoder()

const bodyText = (body: unknown): string | undefined => {
  if (typeof body === "string") return body.charCodeAt(0) === 0xfeff ? body.slice(1) : body
  // TextDecoder drops a leading BOM and replaces invalid bytes, so any byte soup becomes text.
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) return utf8.decode(body)
  return undefined
}

/**
 * The body excerpt an unexpected response keeps: at most 1024 UTF-16 code units (1 KiB of
 * ASCII), never ending on half a surrogate pair.
 *
 * @example
 * import { WireFormat } from "@errata/dialect"
 * WireFormat.excerpt("x".repeat(5000)).length // 1024
 *
 * @since 0.1.0
 * @category reading
 */
export const excerpt = (text: string): string => {
  // NaN past the end of a shorter text, which is then kept whole.
  const last = text.charCodeAt(1023)
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? 1023 : 1024)
}

const excerptOfValue = (value: unknown): string => {
  try {
    return excerpt(JSON.stringify(value) ?? String(value))
  } catch {
    return ""
  }
}

// Anything but JSON's own whitespace; the search stops at the first such character, so a huge
// body costs nothing.
const notBlank = /[^ \t\n\r]/

/**
 * Whether an error outside the catalog may pass on a later try, by its status (SPEC.md §7): a
 * well-formed body with an unknown code (`UnknownApiError`) on a 429 or any 5xx, a body that is not the
 * wire format (`UnexpectedResponse`) on a 500, 502, 503 or 504.
 *
 * @example
 * import { WireFormat } from "@errata/dialect"
 * WireFormat.isTransient("UnknownApiError", 429) // true
 * WireFormat.isTransient("UnexpectedResponse", 501) // false
 *
 * @since 0.1.0
 * @category reading
 */
export const isTransient = (tag: "UnknownApiError" | "UnexpectedResponse", status: number): boolean =>
  tag === "UnknownApiError" ? status === 429 || (status >= 500 && status <= 599) : status >= 500 && status <= 504 && status !== 501

const reasonText: { readonly [R in Reason]: string } = {
  EmptyBody: "an empty body",
  InvalidJson: "a body that is not JSON",
  NotWireFormat: "a body not in the error format",
  TooLarge: "a body too large",
  Undecodable: "an undecodable body"
}

/**
 * The message of an unexpected response: what came, and what was wrong with its body.
 *
 * @example
 * import { WireFormat } from "@errata/dialect"
 * WireFormat.unexpectedMessage(502, "InvalidJson") // "Unexpected 502 response with a body that is not JSON"
 *
 * @since 0.1.0
 * @category reading
 */
export const unexpectedMessage = (status: number, reason: Reason): string =>
  `Unexpected ${status} response with ${reasonText[reason]}`

/**
 * Reads any error response. Total: whatever the input, it returns a description and never throws.
 *
 * - `{ error: { code, message, details } }` and the bare `{ code, message, details }` are read;
 * - a catalog code is its class's, with the raw `details` kept and `message` defaulting to the
 *   catalog's when the body has none;
 * - another code is `UnknownApiError`, with code, status, message and details kept;
 * - anything else is `UnexpectedResponse`, with a bounded excerpt;
 * - a 429 whose body lacks `details.retryAfter` takes the `Retry-After` header into it
 *   (SPEC.md §3); any other status's header wait is `headerWait`'s.
 *
 * @example
 * import { WireFormat } from "@errata/dialect"
 * WireFormat.read({ status: 429, headers: { "retry-after": "7" }, body: { error: { code: "RATE_LIMIT_EXCEEDED", message: "Slow down" } } })
 * // { _tag: "RateLimitExceeded", code: "RATE_LIMIT_EXCEEDED", message: "Slow down", details: { retryAfter: 7 } }
 *
 * @since 0.1.0
 * @category reading
 */
export const read = (input: ResponseInput): Description => {
  const requestId = header(input.headers, "x-request-id")
  const body = input.body
  const text = body === undefined || body === null ? "" : bodyText(body)
  if (input.unread !== undefined) return unexpected(input, requestId, input.unread, excerpt(text ?? ""))
  // Already parsed: JSON in the wire format, or not.
  if (text === undefined) return fromJson(body, input, requestId) ?? unexpected(input, requestId, "NotWireFormat", excerptOfValue(body))
  if (!notBlank.test(text)) return unexpected(input, requestId, "EmptyBody", "")
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return unexpected(input, requestId, "InvalidJson", excerpt(text))
  }
  return fromJson(value, input, requestId) ?? unexpected(input, requestId, "NotWireFormat", excerpt(text))
}

/**
 * The wait in milliseconds a response's headers ask for: `retry-after-ms` when valid, else
 * `Retry-After` (seconds or an HTTP-date, from `input.now`). An edition keeps it beside a
 * transient error (a 503's, a proxy page's), whose fields have no room for it; a 429's is in
 * `details.retryAfter` already.
 *
 * @example
 * import { WireFormat } from "@errata/dialect"
 * WireFormat.headerWait({ status: 503, headers: { "Retry-After": "5" }, body: "" }) // 5000
 *
 * @since 0.1.0
 * @category reading
 */
export const headerWait = (input: ResponseInput): number | undefined => {
  const retryAfterMs = header(input.headers, "retry-after-ms")
  const retryAfter = header(input.headers, "retry-after")
  // No clock is read for a response that names no wait, the common case; an empty value names none.
  return retryAfterMs || retryAfter ? RetryAfter.fromHeaders(retryAfterMs, retryAfter, input.now ?? Date.now()) : undefined
}

const errorObjectOf = (value: unknown): Readonly<Record<string, unknown>> | undefined => {
  if (!isRecord(value)) return undefined
  const inner = value["error"]
  if (isRecord(inner)) return inner
  return typeof value["code"] === "string" ? value : undefined
}

/**
 * The wait `details.retryAfter` names, in seconds (whole or fractional, not negative): what a
 * 429's body carries (SPEC.md §3). `undefined` for none, or one of another type.
 *
 * @example
 * import { WireFormat } from "@errata/dialect"
 * WireFormat.retryAfter({ retryAfter: 30 }) // 30
 * WireFormat.retryAfter({ retryAfter: "30" }) // undefined
 *
 * @since 0.1.0
 * @category reading
 */
export const retryAfter = (details: unknown): number | undefined => {
  const value = isRecord(details) ? details["retryAfter"] : undefined
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined
}

// SPEC.md §3: a 429's wait is in `details.retryAfter`; one sent only as a header is folded in.
const withRetryAfterHeader = (details: unknown, input: ResponseInput): unknown => {
  if (retryAfter(details) !== undefined || (details !== undefined && !isRecord(details))) return details
  const wait = RetryAfter.parse(header(input.headers, "retry-after"), input.now ?? Date.now())
  return wait === undefined ? details : { ...details, retryAfter: RetryAfter.toSeconds(wait) }
}

// A parsed body in the wire format (enveloped or bare) as its description; `undefined` when it is not.
// A description being built: optional fields are added when present, which is cheaper than spreading.
type Building = Writable<Exclude<Description, { readonly _tag: "UnexpectedResponse" }>>
type Writable<A> = { -readonly [K in keyof A]: A[K] }

const fromJson = (value: unknown, input: ResponseInput, requestId: string | undefined): Description | undefined => {
  const object = errorObjectOf(value)
  const code = object?.["code"]
  if (object === undefined || typeof code !== "string" || code.length === 0) return undefined
  const message = object["message"]
  const entry = Catalog.byCode(code)
  let details: unknown = object["details"] ?? undefined
  if (entry?.code === "RATE_LIMIT_EXCEEDED") details = withRetryAfterHeader(details, input)
  const found: Building = entry === undefined
    ? { _tag: "UnknownApiError", code, status: input.status, message: typeof message === "string" ? message : `API error ${code}` }
    : { _tag: entry.tag, code: entry.code, message: typeof message === "string" ? message : entry.message }
  if (details !== undefined) found.details = details
  if (requestId !== undefined) found.requestId = requestId
  return found
}

const unexpected = (input: ResponseInput, requestId: string | undefined, reason: Reason, text: string): Description => {
  const contentType = header(input.headers, "content-type")
  return {
    _tag: "UnexpectedResponse",
    reason,
    status: input.status,
    excerpt: text,
    ...(contentType === undefined ? {} : { contentType }),
    ...(requestId === undefined ? {} : { requestId })
  }
}

/**
 * What `write` takes: the fields of an error with a code, catalog or not.
 *
 * @example
 * import type { WireFormat } from "@errata/dialect"
 * const fields: WireFormat.Fields = { code: "NOT_FOUND", status: 404, message: "Contact not found" }
 *
 * @since 0.1.0
 * @category models
 */
export interface Fields {
  readonly code: string
  readonly status: number
  readonly message: string
  readonly details?: unknown
  readonly requestId?: string | undefined
}

/**
 * What `write` gives: ready for any HTTP server. `body` is what goes out as JSON.
 *
 * @example
 * import { WireFormat } from "@errata/dialect"
 * const { status, headers, body }: WireFormat.Written = WireFormat.write({ code: "NOT_FOUND", status: 404, message: "gone" })
 *
 * @since 0.1.0
 * @category models
 */
export interface Written {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: {
    readonly error: { readonly code: string; readonly message: string; readonly details?: unknown }
  }
}

/**
 * Writes an error as SPEC.md describes: its status, the enveloped body, `Content-Type:
 * application/json`, `X-Request-ID` when known, and for a 429 `Retry-After` in whole seconds
 * (rounded up, at least 1; 1 when `details` names no wait) mirrored in `details.retryAfter`.
 *
 * @example
 * import { WireFormat } from "@errata/dialect"
 * WireFormat.write({ code: "RATE_LIMIT_EXCEEDED", status: 429, message: "Slow down", details: { retryAfter: 6.2 } })
 * // { status: 429, headers: { "content-type": "application/json", "retry-after": "7" },
 * //   body: { error: { code: "RATE_LIMIT_EXCEEDED", message: "Slow down", details: { retryAfter: 7 } } } }
 *
 * @since 0.1.0
 * @category writing
 */
export const write = (fields: Fields): Written => {
  const headers: Record<string, string> = { "content-type": "application/json" }
  if (fields.requestId !== undefined) headers["x-request-id"] = fields.requestId
  let details = fields.details
  if (fields.status === 429) {
    const wait = retryAfter(details)
    const seconds = wait === undefined ? 1 : RetryAfter.toSeconds(wait * 1000)
    headers["retry-after"] = String(seconds)
    details = { ...(isRecord(details) ? details : {}), retryAfter: seconds }
  }
  return {
    status: fields.status,
    headers,
    body: { error: { code: fields.code, message: fields.message, ...(details === undefined ? {} : { details }) } }
  }
}
