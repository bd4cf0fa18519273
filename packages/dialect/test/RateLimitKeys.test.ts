import { describe, expect, it } from "vitest"
import { RateLimitKeys } from "@errata/dialect"

describe("RateLimitKeys", () => {
  it("has the tiers of SPEC.md §6", () => {
    expect(RateLimitKeys.tiers).toEqual({
      free: { perMinute: 10, burst: 15 },
      starter: { perMinute: 30, burst: 45 },
      pro: { perMinute: 100, burst: 150 }
    })
  })

  it("counts a request on its bearer key, else its address (IPv6 by its /64), else anonymous", () => {
    expect(RateLimitKeys.clientKey("Bearer sk_1", "203.0.113.7")).toBe("key:sk_1")
    expect(RateLimitKeys.clientKey("bearer   sk_2  ", undefined)).toBe("key:sk_2")
    expect(RateLimitKeys.clientKey("Basic abc", "203.0.113.7")).toBe("ip:203.0.113.7")
    expect(RateLimitKeys.clientKey(undefined, "2001:db8:85a3:1234:aaaa:bbbb:cccc:dddd")).toBe("ip:2001:db8:85a3:1234::/64")
    expect(RateLimitKeys.clientKey(undefined, undefined)).toBe("anonymous")
  })

  it("puts every 401 of an address in one bucket, whatever key it made up", () => {
    expect(RateLimitKeys.unauthenticatedKey("::ffff:203.0.113.7")).toBe("unauthenticated:203.0.113.7")
    expect(RateLimitKeys.unauthenticatedKey(undefined)).toBe("unauthenticated:anonymous")
  })

  it("keeps a bucket name small whatever address text arrives", () => {
    expect(RateLimitKeys.addressKey("x".repeat(10_000)).length).toBe(64)
    expect(RateLimitKeys.addressKey("1:2:3:4:5:6:7:8:9")).toBe("1:2:3:4:5:6:7:8:9")
  })
})
