import { describe, expect, it } from "@effect/vitest"
import { Ids } from "@errata/server"
import { Schema } from "effect"
import { invalidIdCodeOf, truncate, VALUE_MAX_LENGTH } from "../src/internal/input.js"

const truncateValue = (value: string) => truncate(value, VALUE_MAX_LENGTH)

describe("Ids", () => {
  it("accept UUIDs and brand them, reject anything else", () => {
    const id = "550e8400-e29b-41d4-a716-446655440000"
    for (const schema of [Ids.ContactId, Ids.MessageId, Ids.BusinessId]) {
      expect(Schema.decodeUnknownSync(schema)(id)).toBe(id)
      expect(Schema.is(schema)("550e8400")).toBe(false)
      expect(Schema.is(schema)(42)).toBe(false)
    }
  })

  it("carry the code of their resource, also through optional and renamed wrappers", () => {
    expect(invalidIdCodeOf(Ids.ContactId.ast)).toBe("INVALID_CONTACT_ID")
    expect(invalidIdCodeOf(Ids.MessageId.ast)).toBe("INVALID_MESSAGE_ID")
    expect(invalidIdCodeOf(Ids.BusinessId.ast)).toBe("INVALID_BUSINESS_ID")
    expect(invalidIdCodeOf(Schema.UndefinedOr(Ids.ContactId).ast)).toBe("INVALID_CONTACT_ID")
    expect(invalidIdCodeOf(Ids.ContactId.annotations({ description: "the contact" }).ast)).toBe("INVALID_CONTACT_ID")
    expect(invalidIdCodeOf(Schema.UUID.ast)).toBeUndefined()
  })

  it("cut offending values to 64 characters without splitting a surrogate pair", () => {
    expect(truncateValue("a".repeat(10))).toBe("a".repeat(10))
    expect(truncateValue("a".repeat(100))).toBe("a".repeat(64))
    const emoji = "a" + "\u{1F600}".repeat(40)
    const cut = truncateValue(emoji)
    expect(cut).toBe("a" + "\u{1F600}".repeat(31))
    expect(cut.length).toBe(63)
  })

  it("cut issue messages with a marker, within the same bound", () => {
    expect(truncate("abcdef", 4, "…")).toBe("abc…")
    expect(truncate("abcd", 4, "…")).toBe("abcd")
    expect(truncate("ab\u{1F600}cd", 4, "…")).toBe("ab…")
  })
})
