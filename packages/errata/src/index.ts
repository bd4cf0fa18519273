/**
 * The error dialect of the API as typed Effect 4 errors: the catalog, the error classes and the
 * wire codec. The client is the subpath `errata/client`.
 *
 * @example
 * import { Effect } from "effect"
 * import { Wire } from "errata"
 *
 * const error = Wire.decode({ status: 404, body: '{"error":{"code":"NOT_FOUND","message":"Contact not found"}}' })
 * const handled = Effect.fail(error).pipe(Effect.catchTags({ NotFound: (e) => Effect.succeed(e.message) }))
 *
 * @since 0.1.0
 */

/**
 * The single table of codes, tags, statuses, categories and default messages: `@errata/dialect`'s
 * `Catalog`, the one both editions share.
 *
 * @example
 * import { Catalog } from "errata"
 * Catalog.entries.RATE_LIMIT_EXCEEDED.transient // true
 *
 * @since 0.1.0
 */
export * as Catalog from "./Catalog.js"

/**
 * The typed error classes, their unions and predicates.
 *
 * @example
 * import { Effect } from "effect"
 * import { ApiError } from "errata"
 * const gone = Effect.fail(new ApiError.NotFound({ message: "Contact not found" }))
 *
 * @since 0.1.0
 */
export * as ApiError from "./ApiError.js"

/**
 * The wire codec: total decoding of any response, encoding of any error.
 *
 * @example
 * import { Wire } from "errata"
 * Wire.decode({ status: 404, body: '{"error":{"code":"NOT_FOUND","message":"Contact not found"}}' })._tag // "NotFound"
 *
 * @since 0.1.0
 */
export * as Wire from "./Wire.js"
