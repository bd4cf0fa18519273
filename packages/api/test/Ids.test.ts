import { describe, expect, it } from "@effect/vitest"
import { Ids } from "@errata/api"
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
    expect(Ids.codeOf(Ids.ContactId)).toBe("INVALID_CONTACT_ID")
    expect(Ids.codeOf(Ids.MessageId.ast)).toBe("INVALID_MESSAGE_ID")
    expect(Ids.codeOf(Ids.BusinessId)).toBe("INVALID_BUSINESS_ID")
    expect(Ids.codeOf(Schema.UndefinedOr(Ids.ContactId))).toBe("INVALID_CONTACT_ID")
    expect(Ids.codeOf(Ids.ContactId.annotations({ description: "the contact" }))).toBe("INVALID_CONTACT_ID")
    expect(Ids.codeOf(Schema.UUID)).toBeUndefined()
  })
})
