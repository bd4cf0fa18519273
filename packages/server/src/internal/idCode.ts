/**
 * The annotation that ties an ID schema to the catalog code its decode failures are answered with
 * (`INVALID_CONTACT_ID`, `INVALID_MESSAGE_ID` or `INVALID_BUSINESS_ID`): the `Ids` schemas carry
 * it, and it survives refinements and transformations of them.
 *
 * @internal
 */
export const InvalidIdCode: unique symbol = Symbol.for("@errata/server/Ids/InvalidIdCode")
