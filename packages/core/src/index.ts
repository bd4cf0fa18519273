/**
 * @since 0.1.0
 */

/**
 * The single table of codes, tags, statuses, categories and default messages.
 *
 * @since 0.1.0
 */
export * as Catalog from "./Catalog.js"

/**
 * The typed error classes, their unions and predicates.
 *
 * @since 0.1.0
 */
export * as ApiError from "./ApiError.js"

/**
 * The wire codec: total decoding of any response, encoding of any error.
 *
 * @since 0.1.0
 */
export * as Wire from "./Wire.js"
