/**
 * The annotation that ties an ID schema to the catalog code its decode failures are answered with
 * (`INVALID_CONTACT_ID`, `INVALID_MESSAGE_ID` or `INVALID_BUSINESS_ID`). It sits on the UUID check
 * of each `Ids` schema, so a failed decode names the code in its issue (the check that failed), and
 * `Ids.codeOf` finds it on the schema through refinements, unions and codecs of it.
 *
 * @internal
 */
import type * as SchemaAST from "effect/SchemaAST"

/** @internal */
export const IdCodeAnnotation = "errata/api/Ids/InvalidIdCode"

/** @internal */
export type InvalidIdCode = "INVALID_CONTACT_ID" | "INVALID_MESSAGE_ID" | "INVALID_BUSINESS_ID"

/** @internal */
export const isInvalidIdCode = (u: unknown): u is InvalidIdCode =>
  u === "INVALID_CONTACT_ID" || u === "INVALID_MESSAGE_ID" || u === "INVALID_BUSINESS_ID"

/** The code a check of an `Ids` schema carries, `undefined` for any other check. */
export const codeOfCheck = (check: SchemaAST.Check<unknown>): InvalidIdCode | undefined => {
  const own = check.annotations?.[IdCodeAnnotation]
  if (isInvalidIdCode(own)) return own
  if (check._tag === "FilterGroup") {
    for (const member of check.checks) {
      const code = codeOfCheck(member)
      if (code !== undefined) return code
    }
  }
  return undefined
}
