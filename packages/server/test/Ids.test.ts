import { describe, expect, it } from "@effect/vitest"
import { Ids } from "@errata/server"
import { Schema } from "effect"

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
    expect(Ids.invalidIdCodeOf(Ids.ContactId.ast)).toBe("INVALID_CONTACT_ID")
    expect(Ids.invalidIdCodeOf(Ids.MessageId.ast)).toBe("INVALID_MESSAGE_ID")
    expect(Ids.invalidIdCodeOf(Ids.BusinessId.ast)).toBe("INVALID_BUSINESS_ID")
    expect(Ids.invalidIdCodeOf(Schema.UndefinedOr(Ids.ContactId).ast)).toBe("INVALID_CONTACT_ID")
    expect(Ids.invalidIdCodeOf(Ids.ContactId.annotations({ description: "the contact" }).ast)).toBe("INVALID_CONTACT_ID")
    expect(Ids.invalidIdCodeOf(Schema.UUID.ast)).toBeUndefined()
  })

  it("cut offending values to 64 characters without splitting a surrogate pair", () => {
    expect(Ids.truncateValue("a".repeat(10))).toBe("a".repeat(10))
    expect(Ids.truncateValue("a".repeat(100))).toBe("a".repeat(64))
    const emoji = "a" + "\u{1F600}".repeat(40)
    const cut = Ids.truncateValue(emoji)
    expect(cut).toBe("a" + "\u{1F600}".repeat(31))
    expect(cut.length).toBe(63)
  })
})
