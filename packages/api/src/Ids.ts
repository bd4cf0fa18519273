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
 * import { Ids } from "@errata/api"
 *
 * const contactId = HttpApiSchema.param("contactId", Ids.ContactId)
 * const getContact = HttpApiEndpoint.get("getContact")`/contacts/${contactId}`.addSuccess(Schema.String)
 *
 * @since 0.1.0
 */
import type { Catalog } from "@errata/core"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { IdCodeAnnotation } from "./internal/idCode.js"


// `x-errata-code` names the code in the JSON Schema too, so that `CatalogErrors.withoutDecodeError`
// can declare it on every operation whose path has the ID. A `jsonSchema` annotation replaces what
// the refinements would write, so the UUID's format and pattern are spelled out here.
const uuid = <const B extends string>(brand: B, code: InvalidIdCode, noun: string) => {
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
    [IdCodeAnnotation]: code
  })
}

/**
 * A contact ID: a UUID, branded. Invalid path values give `INVALID_CONTACT_ID`.
 *
 * @example
 * import { Schema } from "effect"
 * import { Ids } from "@errata/api"
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
 * import { Ids } from "@errata/api"
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
 * import { Ids } from "@errata/api"
 *
 * const businessId = HttpApiSchema.param("businessId", Ids.BusinessId)
 *
 * @since 0.1.0
 * @category schemas
 */
export const BusinessId = uuid("BusinessId", "INVALID_BUSINESS_ID", "business")

/**
 * The codes an `Ids` schema's decode failures are answered with.
 *
 * @example
 * import type { Ids } from "@errata/api"
 * const code: Ids.InvalidIdCode = "INVALID_CONTACT_ID"
 *
 * @since 0.1.0
 * @category models
 */
export type InvalidIdCode = Extract<Catalog.Code, "INVALID_CONTACT_ID" | "INVALID_MESSAGE_ID" | "INVALID_BUSINESS_ID">

const isInvalidIdCode = (u: unknown): u is InvalidIdCode =>
  u === "INVALID_CONTACT_ID" || u === "INVALID_MESSAGE_ID" || u === "INVALID_BUSINESS_ID"

/**
 * The code a schema's decode failures are answered with when it is (or wraps) an `Ids` schema,
 * looked up through refinements, transformations and unions, so that `Schema.optional(ContactId)`
 * or a re-annotated one still count; `undefined` for any other schema. What a server reads to
 * answer a bad path ID.
 *
 * @example
 * import { Schema } from "effect"
 * import { Ids } from "@errata/api"
 * Ids.codeOf(Schema.UndefinedOr(Ids.ContactId)) // "INVALID_CONTACT_ID"
 * Ids.codeOf(Schema.UUID) // undefined
 *
 * @since 0.1.0
 * @category getters
 */
export const codeOf = (schema: Schema.Schema.All | AST.AST): InvalidIdCode | undefined => {
  const seen = new Set<AST.AST>()
  const visit = (node: AST.AST): InvalidIdCode | undefined => {
    if (seen.has(node)) return undefined
    seen.add(node)
    const own = Option.getOrUndefined(AST.getAnnotation<unknown>(node, IdCodeAnnotation))
    if (isInvalidIdCode(own)) return own
    switch (node._tag) {
      case "Refinement":
        return visit(node.from)
      case "Transformation":
        return visit(node.to) ?? visit(node.from)
      case "Suspend":
        return visit(node.f())
      case "Union":
        for (const member of node.types) {
          const code = visit(member)
          if (code !== undefined) return code
        }
        return undefined
      default:
        return undefined
    }
  }
  return visit("ast" in schema ? schema.ast : schema)
}
