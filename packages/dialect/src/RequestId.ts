/**
 * The request-ID rules of SPEC.md §4: the header every response carries, which incoming IDs a
 * server may echo, how it makes a fresh one, and the names under which the ID reaches logs and
 * traces. Both editions follow these, so an ID means the same thing whichever answered.
 *
 * @since 0.1.0
 */

/**
 * The header, lower-cased as HTTP/2 writes header names and as `@effect/platform` keeps them.
 *
 * @example
 * import { RequestId } from "@errata/dialect"
 * new Headers({ "X-Request-ID": "req_1" }).get(RequestId.header) // "req_1"
 *
 * @since 0.1.0
 * @category names
 */
export const header = "x-request-id"

/**
 * The longest request ID echoed: longer ones are replaced, as a log line or header of unbounded
 * length is a way to flood both.
 *
 * @example
 * import { RequestId } from "@errata/dialect"
 * RequestId.isSafe("a".repeat(RequestId.maxLength + 1)) // false
 *
 * @since 0.1.0
 * @category rules
 */
export const maxLength = 128

/**
 * The log annotation the ID is written under.
 *
 * @example
 * import { RequestId } from "@errata/dialect"
 * const line = { message: "Contact not found", [RequestId.logAnnotation]: "req_1" }
 *
 * @since 0.1.0
 * @category names
 */
export const logAnnotation = "requestId"

/**
 * The attribute of the server span the ID is written under.
 *
 * @example
 * import { RequestId } from "@errata/dialect"
 * const attributes = { [RequestId.spanAttribute]: "req_1" }
 *
 * @since 0.1.0
 * @category names
 */
export const spanAttribute = "http.request.id"

const safe = /^[\w.:-]+$/

/**
 * Whether an incoming `X-Request-ID` may be echoed: 1 to `maxLength` characters of
 * `[A-Za-z0-9_.:-]`. Anything else is replaced, so a client cannot inject headers or log lines
 * through it.
 *
 * @example
 * import { RequestId } from "@errata/dialect"
 * RequestId.isSafe("req_42") // true
 * RequestId.isSafe("req\r\nSet-Cookie: a=b") // false
 *
 * @since 0.1.0
 * @category rules
 */
export const isSafe = (value: unknown): value is string =>
  typeof value === "string" && value.length <= maxLength && safe.test(value)

// 64 random bits per process (per worker thread, as each loads its own copy of this module), so
// that IDs from different instances do not meet, and a decimal counter after them, so that IDs of
// one instance do not either: far cheaper than a random UUID per request.
const processPrefix = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(8)), (byte) =>
  byte.toString(16).padStart(2, "0")).join("")
const idPrefix = `${processPrefix}-`
let counter = 0

/**
 * A fresh request ID: this process's random prefix, a dash, a counter (`9f86d081884c7d65-42`).
 * Always safe.
 *
 * @example
 * import { RequestId } from "@errata/dialect"
 * RequestId.isSafe(RequestId.generate()) // true
 *
 * @since 0.1.0
 * @category generation
 */
export const generate = (): string => idPrefix + ++counter

/**
 * The generator of a user's `generateRequestId` option: a generated ID goes into a header as it
 * is, so one that is not safe falls back to `generate`. Without a custom generator, `generate`.
 *
 * @example
 * import { RequestId } from "@errata/dialect"
 * const next = RequestId.generator(() => globalThis.crypto.randomUUID())
 * RequestId.isSafe(next()) // true
 *
 * @since 0.1.0
 * @category generation
 */
export const generator = (custom: (() => string) | undefined): (() => string) =>
  custom === undefined ? generate : () => {
    const id = custom()
    return isSafe(id) ? id : generate()
  }
