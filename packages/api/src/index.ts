/**
 * @since 0.1.0
 */

/**
 * Declaring catalog errors on `HttpApi` endpoints, groups and APIs, with their statuses and wire
 * schemas in the OpenAPI document.
 *
 * @since 0.1.0
 */
export * as CatalogErrors from "./CatalogErrors.js"

/**
 * Branded UUID schemas for resource IDs whose decode failures become `INVALID_*_ID`.
 *
 * @since 0.1.0
 */
export * as Ids from "./Ids.js"
