/**
 * The annotation that ties an ID schema to the catalog code its decode failures are answered with
 * (`INVALID_CONTACT_ID`, `INVALID_MESSAGE_ID` or `INVALID_BUSINESS_ID`): the `Ids` schemas carry
 * it, and `Ids.codeOf` finds it through refinements and transformations of them.
 *
 * @internal
 */
export const IdCodeAnnotation: unique symbol = Symbol.for("@errata/api/Ids/InvalidIdCode")
