/**
 * Branded UUID schemas for the API's resource IDs. Used as path parameters of an `HttpApi`
 * endpoint (or decoded with `Input.path`), a value that is not a UUID is answered with the code of
 * its resource (`INVALID_CONTACT_ID`, `INVALID_MESSAGE_ID`, `INVALID_BUSINESS_ID`) and the
 * offending value, cut to 64 characters, in `details.value`. The branded type of each is
 * `typeof Ids.ContactId.Type`.
 *
 * @example
 * import { Schema } from "effect"
 * import { HttpApiEndpoint } from "effect/http-api"
 * import { Ids } from "errata/api"
 *
 * const getContact = HttpApiEndpoint.get("getContact", "/contacts/:contactId", {
 *   params: { contactId: Ids.ContactId },
 *   success: Schema.String
 * })
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import { codeOfCheck, IdCodeAnnotation, type InvalidIdCode as Code } from "./internal/idCode.js"

// The shape both editions accept: 8-4-4-4-12 hexadecimal digits, whatever the version and variant
// bits say (Effect 3's `Schema.UUID`; Effect 4's `isUUID` would also check those bits).
const UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"

// The UUID check carries the code (a failed decode names it in its issue) and writes `format` and
// `pattern`; a second check, which never fails, writes `x-errata-code` into JSON Schema, so that
// `CatalogErrors.withoutDecodeError` can declare the code on every operation whose path has the ID.
const uuid = (brand: string, code: Code, noun: string) => {
  const description = `A ${noun} ID: a UUID such as 550e8400-e29b-41d4-a716-446655440000`
  return Schema.String.annotate({ title: brand, description }).check(
    Schema.isGUID({
      expected: "a UUID",
      [IdCodeAnnotation]: code,
      toJsonSchema: () => ({ format: "uuid", pattern: UUID_PATTERN })
    }),
    Schema.makeFilter<string>(() => undefined, { identifier: brand, toJsonSchema: () => ({ "x-errata-code": code }) })
  )
}

/**
 * A contact ID: a UUID, branded. Invalid path values give `INVALID_CONTACT_ID`.
 *
 * @example
 * import { Schema } from "effect"
 * import { Ids } from "errata/api"
 *
 * const id: typeof Ids.ContactId.Type = Schema.decodeUnknownSync(Ids.ContactId)("550e8400-e29b-41d4-a716-446655440000")
 *
 * @since 0.1.0
 * @category schemas
 */
export const ContactId = uuid("ContactId", "INVALID_CONTACT_ID", "contact").pipe(Schema.brand("ContactId"))

/**
 * A message ID: a UUID, branded. Invalid path values give `INVALID_MESSAGE_ID`.
 *
 * @example
 * import { Schema } from "effect"
 * import { Ids } from "errata/api"
 *
 * const Message = Schema.Struct({ id: Ids.MessageId, text: Schema.String })
 *
 * @since 0.1.0
 * @category schemas
 */
export const MessageId = uuid("MessageId", "INVALID_MESSAGE_ID", "message").pipe(Schema.brand("MessageId"))

/**
 * A business ID: a UUID, branded. Invalid path values give `INVALID_BUSINESS_ID`.
 *
 * @example
 * import { Schema } from "effect"
 * import { Ids } from "errata/api"
 *
 * const Business = Schema.Struct({ id: Ids.BusinessId, name: Schema.String })
 *
 * @since 0.1.0
 * @category schemas
 */
export const BusinessId = uuid("BusinessId", "INVALID_BUSINESS_ID", "business").pipe(Schema.brand("BusinessId"))

/**
 * The codes an `Ids` schema's decode failures are answered with.
 *
 * @example
 * import type { Ids } from "errata/api"
 * const code: Ids.InvalidIdCode = "INVALID_CONTACT_ID"
 *
 * @since 0.1.0
 * @category models
 */
export type InvalidIdCode = Code

/**
 * The code a schema's decode failures are answered with when it is (or wraps) an `Ids` schema,
 * looked up through refinements, unions, suspensions and codecs (`Schema.optional(ContactId)`, a
 * re-annotated or further checked one, `Schema.toCodecStringTree` of one); `undefined` for any
 * other schema. What a server reads to answer a bad path ID.
 *
 * @example
 * import { Schema } from "effect"
 * import { Ids } from "errata/api"
 * Ids.codeOf(Schema.UndefinedOr(Ids.ContactId)) // "INVALID_CONTACT_ID"
 * Ids.codeOf(Schema.String.check(Schema.isUUID())) // undefined
 *
 * @since 0.1.0
 * @category getters
 */
export const codeOf = (schema: Schema.Top | SchemaAST.AST): InvalidIdCode | undefined => {
  const seen = new Set<SchemaAST.AST>()
  const visit = (node: SchemaAST.AST): InvalidIdCode | undefined => {
    if (seen.has(node)) return undefined
    seen.add(node)
    for (const check of node.checks ?? []) {
      const code = codeOfCheck(check)
      if (code !== undefined) return code
    }
    for (const link of node.encoding ?? []) {
      const code = visit(link.to)
      if (code !== undefined) return code
    }
    switch (node._tag) {
      case "Suspend":
        return visit(node.thunk())
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
  return visit(Schema.isSchema(schema) ? schema.ast : schema)
}
