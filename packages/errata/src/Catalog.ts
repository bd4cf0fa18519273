/**
 * The catalog: one row per error code of the API's dialect, with its `_tag`, status, category,
 * whether it is transient, and its default message. It is `@errata/dialect`'s `Catalog`, the one
 * table both editions of errata share, re-exported as it is: the same values, the same types.
 *
 * @example
 * import { Catalog } from "errata"
 * Catalog.entries.NOT_FOUND.status // 404
 * Catalog.byCode("RATE_LIMITED") // undefined: drift, decoded as an UnknownApiError
 *
 * @since 0.1.0
 */
export * from "@errata/dialect/Catalog"
