import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { Ids } from "errata/api"

describe("Ids", () => {
  it("accept UUIDs (any version and variant, as both editions do) and brand them, reject anything else", () => {
    for (const id of ["550e8400-e29b-41d4-a716-446655440000", "00000000-0000-0000-0000-000000000000", "ABCDEF01-2345-6789-abcd-ef0123456789"]) {
      for (const schema of [Ids.ContactId, Ids.MessageId, Ids.BusinessId]) {
        expect(Schema.decodeUnknownSync(schema)(id)).toBe(id)
      }
    }
    for (const schema of [Ids.ContactId, Ids.MessageId, Ids.BusinessId]) {
      expect(Schema.is(schema)("550e8400")).toBe(false)
      expect(Schema.is(schema)("550e8400-e29b-41d4-a716-446655440000x")).toBe(false)
      expect(Schema.is(schema)(42)).toBe(false)
    }
  })

  it("carry the code of their resource, also through optional, refined, re-annotated and codec forms", () => {
    expect(Ids.codeOf(Ids.ContactId)).toBe("INVALID_CONTACT_ID")
    expect(Ids.codeOf(Ids.MessageId.ast)).toBe("INVALID_MESSAGE_ID")
    expect(Ids.codeOf(Ids.BusinessId)).toBe("INVALID_BUSINESS_ID")
    expect(Ids.codeOf(Schema.UndefinedOr(Ids.ContactId))).toBe("INVALID_CONTACT_ID")
    expect(Ids.codeOf(Ids.ContactId.annotate({ description: "the contact" }))).toBe("INVALID_CONTACT_ID")
    expect(Ids.codeOf(Ids.ContactId.check(Schema.isStartingWith("5")))).toBe("INVALID_CONTACT_ID")
    expect(Ids.codeOf(Schema.toCodecStringTree(Schema.optional(Ids.BusinessId)))).toBe("INVALID_BUSINESS_ID")
    expect(Ids.codeOf(Schema.suspend(() => Ids.MessageId))).toBe("INVALID_MESSAGE_ID")
    expect(Ids.codeOf(Schema.String.check(Schema.isUUID()))).toBeUndefined()
    expect(Ids.codeOf(Schema.String)).toBeUndefined()
  })

  it("write their code into JSON Schema as x-errata-code, beside the UUID format and pattern", () => {
    const document = Schema.toJsonSchemaDocument(Ids.ContactId)
    expect(JSON.stringify(document)).toContain("\"x-errata-code\":\"INVALID_CONTACT_ID\"")
    expect(JSON.stringify(document)).toContain("\"format\":\"uuid\"")
  })
})
