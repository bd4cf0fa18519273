/**
 * Branded UUID schemas for the API's resource IDs. Used as path parameters of an `HttpApi`
 * endpoint (or decoded with `Input.path`), a value that is not a UUID is answered with the code of
 * its resource (`INVALID_CONTACT_ID`, `INVALID_MESSAGE_ID`, `INVALID_BUSINESS_ID`) and the
 * offending value, cut to 64 characters, in `details.value`.
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
import type { Catalog } from "@errata/core"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"

/**
 * The annotation that ties an ID schema to the catalog code its decode failures are answered with.
 * Put it on your own ID schemas to get the same treatment.
 *
 * @example
 * import { Schema } from "effect"
 * import { Ids } from "@errata/server"
 *
 * const AnotherContactId = Schema.String.pipe(Schema.length(12)).annotations({ [Ids.InvalidIdCode]: "INVALID_CONTACT_ID" })
 *
 * @since 0.1.0
 * @category annotations
 */
export const InvalidIdCode: unique symbol = Symbol.for("@errata/server/Ids/InvalidIdCode")

/**
 * The codes an ID schema can be annotated with.
 *
 * @since 0.1.0
 * @category models
 */
export type InvalidIdCode = Extract<Catalog.Code, "INVALID_CONTACT_ID" | "INVALID_MESSAGE_ID" | "INVALID_BUSINESS_ID">

/**
 * The longest offending value `details.value` carries, in UTF-16 code units.
 *
 * @since 0.1.0
 * @category constants
 */
export const VALUE_MAX_LENGTH = 64

const uuid = <const B extends string>(brand: B, code: InvalidIdCode, noun: string) =>
  Schema.UUID.pipe(Schema.brand(brand)).annotations({
    identifier: brand,
    title: brand,
    description: `A ${noun} ID: a UUID such as 550e8400-e29b-41d4-a716-446655440000`,
    [InvalidIdCode]: code
  })

/**
 * A contact ID: a UUID, branded. Invalid path values give `INVALID_CONTACT_ID`.
 *
 * @example
 * import { Schema } from "effect"
 * import { Ids } from "@errata/server"
 * Schema.decodeUnknownSync(Ids.ContactId)("550e8400-e29b-41d4-a716-446655440000")
 *
 * @since 0.1.0
 * @category schemas
 */
export const ContactId = uuid("ContactId", "INVALID_CONTACT_ID", "contact")

/**
 * @since 0.1.0
 * @category models
 */
export type ContactId = typeof ContactId.Type

/**
 * A message ID: a UUID, branded. Invalid path values give `INVALID_MESSAGE_ID`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const MessageId = uuid("MessageId", "INVALID_MESSAGE_ID", "message")

/**
 * @since 0.1.0
 * @category models
 */
export type MessageId = typeof MessageId.Type

/**
 * A business ID: a UUID, branded. Invalid path values give `INVALID_BUSINESS_ID`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BusinessId = uuid("BusinessId", "INVALID_BUSINESS_ID", "business")

/**
 * @since 0.1.0
 * @category models
 */
export type BusinessId = typeof BusinessId.Type

const isInvalidIdCode = (u: unknown): u is InvalidIdCode =>
  u === "INVALID_CONTACT_ID" || u === "INVALID_MESSAGE_ID" || u === "INVALID_BUSINESS_ID"

/**
 * The code a schema's decode failures are answered with, looked up through refinements,
 * transformations and unions so that `Schema.optional(ContactId)` or a renamed param still count.
 *
 * @since 0.1.0
 * @category annotations
 */
export const invalidIdCodeOf = (ast: AST.AST): InvalidIdCode | undefined => {
  const seen = new Set<AST.AST>()
  const visit = (node: AST.AST): InvalidIdCode | undefined => {
    if (seen.has(node)) return undefined
    seen.add(node)
    const own = Option.getOrUndefined(AST.getAnnotation<unknown>(node, InvalidIdCode))
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
  return visit(ast)
}

/**
 * Cuts an offending value to `VALUE_MAX_LENGTH`, never in the middle of a surrogate pair.
 *
 * @since 0.1.0
 * @category constructors
 */
export const truncateValue = (value: string): string => {
  if (value.length <= VALUE_MAX_LENGTH) return value
  const cut = value.slice(0, VALUE_MAX_LENGTH)
  const last = cut.charCodeAt(cut.length - 1)
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut
}
