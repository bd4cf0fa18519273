/**
 * Branded UUID schemas for the API's resource IDs. Used as path parameters of an `HttpApi`
 * endpoint (or decoded with `Input.path`), a value that is not a UUID is answered with the code of
 * its resource (`INVALID_CONTACT_ID`, `INVALID_MESSAGE_ID`, `INVALID_BUSINESS_ID`) and the
 * offending value, cut to 64 characters, in `details.value`. The branded type of each is
 * `typeof Ids.ContactId.Type`.
 *
 * @example
 * import { HttpApiEndpoint, HttpApiSchema } from "@effect/platform"
 * import { Schema } from "effect"
 * import { Ids } from "@errata/server"
 *
 * const contactId = HttpApiSchema.param("contactId", Ids.ContactId)
 * const getContact = HttpApiEndpoint.get("getContact")`/contacts/${contactId}`.addSuccess(Schema.String)
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import type { IdCode } from "./internal/input.js"
import { InvalidIdCode } from "./internal/idCode.js"


// `x-errata-code` names the code in the JSON Schema too, so that `CatalogErrors.withoutDecodeError`
// can declare it on every operation whose path has the ID. A `jsonSchema` annotation replaces what
// the refinements would write, so the UUID's format and pattern are spelled out here.
const uuid = <const B extends string>(brand: B, code: IdCode, noun: string) => {
  const description = `A ${noun} ID: a UUID such as 550e8400-e29b-41d4-a716-446655440000`
  return Schema.UUID.pipe(Schema.brand(brand)).annotations({
    identifier: brand,
    title: brand,
    description,
    jsonSchema: {
      type: "string",
      title: brand,
      description,
      format: "uuid",
      pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
      "x-errata-code": code
    },
    [InvalidIdCode]: code
  })
}

/**
 * A contact ID: a UUID, branded. Invalid path values give `INVALID_CONTACT_ID`.
 *
 * @example
 * import { Schema } from "effect"
 * import { Ids } from "@errata/server"
 *
 * const id: typeof Ids.ContactId.Type = Schema.decodeUnknownSync(Ids.ContactId)("550e8400-e29b-41d4-a716-446655440000")
 *
 * @since 0.1.0
 * @category schemas
 */
export const ContactId = uuid("ContactId", "INVALID_CONTACT_ID", "contact")

/**
 * A message ID: a UUID, branded. Invalid path values give `INVALID_MESSAGE_ID`.
 *
 * @example
 * import { Schema } from "effect"
 * import { Ids } from "@errata/server"
 *
 * const Message = Schema.Struct({ id: Ids.MessageId, text: Schema.String })
 *
 * @since 0.1.0
 * @category schemas
 */
export const MessageId = uuid("MessageId", "INVALID_MESSAGE_ID", "message")

/**
 * A business ID: a UUID, branded. Invalid path values give `INVALID_BUSINESS_ID`.
 *
 * @example
 * import { HttpApiSchema } from "@effect/platform"
 * import { Ids } from "@errata/server"
 *
 * const businessId = HttpApiSchema.param("businessId", Ids.BusinessId)
 *
 * @since 0.1.0
 * @category schemas
 */
export const BusinessId = uuid("BusinessId", "INVALID_BUSINESS_ID", "business")
