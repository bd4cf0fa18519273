import { describe, expect, it } from "vitest"
import { RetryAfter } from "@errata/dialect"

const now = Date.parse("Wed, 21 Oct 2026 07:28:00 GMT")

describe("RetryAfter.parse", () => {
  it("reads delta-seconds as milliseconds, whitespace around allowed", () => {
    expect(RetryAfter.parse("0", now)).toBe(0)
    expect(RetryAfter.parse("120", now)).toBe(120_000)
    expect(RetryAfter.parse("  7 \t", now)).toBe(7_000)
    expect(RetryAfter.parse("007", now)).toBe(7_000)
  })

  it("reads an HTTP-date as the time left until it, from the `now` passed in", () => {
    expect(RetryAfter.parse("Wed, 21 Oct 2026 07:29:00 GMT", now)).toBe(60_000)
    expect(RetryAfter.parse("Wed, 21 Oct 2026 07:29:00 GMT", now + 30_000)).toBe(30_000)
    // The obsolete forms HTTP still asks recipients to accept.
    expect(RetryAfter.parse("Wednesday, 21-Oct-26 07:29:00 GMT", now)).toBe(60_000)
  })

  it("a date now or in the past asks for no wait: undefined, and the backoff applies", () => {
    expect(RetryAfter.parse("Wed, 21 Oct 2026 07:28:00 GMT", now)).toBeUndefined()
    expect(RetryAfter.parse("Wed, 21 Oct 2026 07:00:00 GMT", now)).toBeUndefined()
  })

  it("anything else is undefined: absent, empty, negative, fractional, unsafe, not a date", () => {
    for (const value of [undefined, null, "", "   ", "-1", "1.5", "1e3", "+5", "0x10", "9007199254740993", "soon", "2026-10-22", "2026.5", "Wed, 99 Foo 2026"]) {
      expect(RetryAfter.parse(value, now), String(value)).toBeUndefined()
    }
  })

  it("a huge header costs no backtracking and is refused", () => {
    expect(RetryAfter.parse("9".repeat(100_000), now)).toBeUndefined()
    expect(RetryAfter.parse("a".repeat(100_000), now)).toBeUndefined()
  })
})

describe("RetryAfter.fromHeaders", () => {
  it("retry-after-ms wins when it is a valid number, fractions kept", () => {
    expect(RetryAfter.fromHeaders("1500", "2", now)).toBe(1_500)
    expect(RetryAfter.fromHeaders("0", "2", now)).toBe(0)
    expect(RetryAfter.fromHeaders("12.5", undefined, now)).toBe(12.5)
  })

  it("an invalid retry-after-ms falls back to Retry-After", () => {
    for (const ms of ["", "  ", "-5", "abc", "Infinity", "NaN"]) {
      expect(RetryAfter.fromHeaders(ms, "2", now), ms).toBe(2_000)
    }
    expect(RetryAfter.fromHeaders(undefined, "Wed, 21 Oct 2026 07:28:10 GMT", now)).toBe(10_000)
    expect(RetryAfter.fromHeaders(undefined, undefined, now)).toBeUndefined()
    expect(RetryAfter.fromHeaders("abc", "soon", now)).toBeUndefined()
  })
})

describe("RetryAfter.toSeconds", () => {
  it("rounds up to whole seconds, and never below one", () => {
    expect([0, 1, 999, 1_000, 1_001, 2_200, 30_000, 59_999].map(RetryAfter.toSeconds)).toEqual([1, 1, 1, 1, 2, 3, 30, 60])
  })

  it("reads back what parse read", () => {
    for (const seconds of [1, 5, 60, 3_600]) {
      expect(RetryAfter.toSeconds(RetryAfter.parse(String(seconds), now) ?? 0)).toBe(seconds)
    }
  })
})
