/**
 * What an `HttpApi` definition shared by server and client needs, for Effect 4: catalog errors on
 * endpoints, groups and APIs, branded resource IDs, and the OpenAPI transform that documents what
 * errata's server answers.
 *
 * @example
 * import { Schema } from "effect"
 * import { HttpApiEndpoint } from "effect/http-api"
 * import { CatalogErrors, Ids } from "errata/api"
 *
 * const getContact = HttpApiEndpoint.get("getContact", "/contacts/:contactId", {
 *   params: { contactId: Ids.ContactId },
 *   success: Schema.String
 * }).pipe(CatalogErrors.add("NOT_FOUND", "INVALID_CONTACT_ID"))
 *
 * @since 0.1.0
 */

/**
 * Declaring catalog errors on `HttpApi` endpoints, groups and APIs, with their statuses and wire
 * schemas in the OpenAPI document.
 *
 * @example
 * import { CatalogErrors } from "errata/api"
 * const notFound = CatalogErrors.schema("NOT_FOUND")
 *
 * @since 0.1.0
 */
export * as CatalogErrors from "./CatalogErrors.js"

/**
 * Branded UUID schemas for resource IDs whose decode failures become `INVALID_*_ID`.
 *
 * @example
 * import { Ids } from "errata/api"
 * Ids.codeOf(Ids.ContactId) // "INVALID_CONTACT_ID"
 *
 * @since 0.1.0
 */
export * as Ids from "./Ids.js"
