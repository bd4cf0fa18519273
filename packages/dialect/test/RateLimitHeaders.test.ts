import { describe, expect, it } from "vitest"
import { RateLimitHeaders, RateLimitKeys } from "@errata/dialect"

const { free, pro } = RateLimitKeys.tiers

describe("RateLimitHeaders", () => {
  it("a tier as a token bucket: one token every 60 s / perMinute, a window of burst of them", () => {
    expect(RateLimitHeaders.refillMillis(free)).toBe(6_000)
    expect(RateLimitHeaders.refillMillis(pro)).toBe(600)
    expect(RateLimitHeaders.windowMillis(free)).toBe(90_000)
    expect(RateLimitHeaders.windowMillis(pro)).toBe(90_000)
    expect(RateLimitHeaders.windowMillis({ perMinute: 7, burst: 3 })).toBe((60_000 / 7) * 3)
  })

  it("resetAt: the epoch second, rounded up", () => {
    expect(RateLimitHeaders.resetAt(0, 0)).toBe("0")
    expect(RateLimitHeaders.resetAt(1_000, 0)).toBe("1")
    expect(RateLimitHeaders.resetAt(1_000, 1)).toBe("2")
    expect(RateLimitHeaders.resetAt(1_000, 1_500)).toBe("3")
  })

  it("counted: the rate per minute, the tokens left, the reset, in that order", () => {
    const values = RateLimitHeaders.counted(pro, 149, 600, 1_792_567_680_000)
    expect(values).toEqual({
      "x-ratelimit-limit": "100",
      "x-ratelimit-remaining": "149",
      "x-ratelimit-reset": "1792567681"
    })
    expect(Object.keys(values)).toEqual([
      RateLimitKeys.headers.limit,
      RateLimitKeys.headers.remaining,
      RateLimitKeys.headers.reset
    ])
  })

  it("refused: none left, full again after the next token and burst - 1 more", () => {
    expect(RateLimitHeaders.refused(free, 6_000, 0)).toEqual({
      "x-ratelimit-limit": "10",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": String(Math.ceil((6_000 + 6_000 * 14) / 1000))
    })
    expect(RateLimitHeaders.refused(pro, 1, 500)["x-ratelimit-reset"]).toBe(String(Math.ceil((500 + 1 + 600 * 149) / 1000)))
  })

  it("retryAfter: the wait in seconds, not rounded", () => {
    expect(RateLimitHeaders.retryAfter(6_000)).toBe(6)
    expect(RateLimitHeaders.retryAfter(600)).toBe(0.6)
  })

  it("emptyWait: the time until full less the tokens after the first, never negative", () => {
    expect(RateLimitHeaders.emptyWait(free, 90_000)).toBe(6_000)
    expect(RateLimitHeaders.emptyWait(free, 85_000)).toBe(1_000)
    expect(RateLimitHeaders.emptyWait(free, 80_000)).toBe(0)
    expect(RateLimitHeaders.emptyWait(pro, 600 * 150)).toBe(RateLimitHeaders.refillMillis(pro))
  })
})
