import { describe, expect, it } from "@effect/vitest"
import { truncate, VALUE_MAX_LENGTH } from "../../src/server/internal/issues.js"

const truncateValue = (value: string) => truncate(value, VALUE_MAX_LENGTH)

describe("truncating what a response quotes", () => {
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
