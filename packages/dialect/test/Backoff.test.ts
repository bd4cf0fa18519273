import { describe, expect, it } from "vitest"
import { Backoff } from "@errata/dialect"

// A small seeded generator, so the jitter is checked over many draws and the same ones each run.
const draws = (count: number, seed = 42): ReadonlyArray<number> => {
  let state = seed >>> 0
  return Array.from({ length: count }, () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0
    return state / 2 ** 32
  })
}

describe("Backoff.resolve", () => {
  it("defaults are the API's guidance (SPEC.md §5): 5 retries, 1 s doubling to 60 s, ±20%", () => {
    expect(Backoff.resolve()).toEqual(Backoff.defaults)
    expect(Backoff.defaults).toEqual({
      times: 5,
      baseMillis: 1_000,
      factor: 2,
      maxDelayMillis: 60_000,
      jitter: 0.2,
      upToMillis: undefined,
      maxRetryAfterMillis: 60_000
    })
  })

  it("keeps nonsense in range: no negative counts or waits, no shrinking factor, jitter within [0, 1]", () => {
    expect(Backoff.resolve({ times: -3, baseMillis: -1, factor: 0.5, maxDelayMillis: -1, jitter: 7, upToMillis: -5, maxRetryAfterMillis: -1 }))
      .toEqual({ times: 0, baseMillis: 0, factor: 1, maxDelayMillis: 0, jitter: 1, upToMillis: 0, maxRetryAfterMillis: 0 })
    expect(Backoff.resolve({ times: 2.7, jitter: -1 })).toMatchObject({ times: 2, jitter: 0 })
  })
})

describe("Backoff.backoff", () => {
  it("nominal waits double from the base and stop at the cap: 1, 2, 4 … 32, 60, 60 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => Backoff.backoff(Backoff.defaults, n, 0.5))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000
    ])
  })

  it("the jitter spreads each wait within ±20% of its nominal value, never past the cap", () => {
    for (let n = 1; n <= 10; n++) {
      const nominal = Math.min(1_000 * 2 ** (n - 1), 60_000)
      for (const random of [0, ...draws(200, n), 0.999_999]) {
        const wait = Backoff.backoff(Backoff.defaults, n, random)
        expect(Number.isInteger(wait)).toBe(true)
        expect(wait).toBeGreaterThanOrEqual(Math.floor(nominal * 0.8))
        expect(wait).toBeLessThanOrEqual(Math.min(Math.ceil(nominal * 1.2), 60_000))
      }
    }
    expect(Backoff.backoff(Backoff.defaults, 1, 0)).toBe(800)
    expect(Backoff.backoff(Backoff.defaults, 1, 0.999_999)).toBe(1_200)
  })

  it("follows the options: base, factor, cap, no jitter", () => {
    const policy = Backoff.resolve({ baseMillis: 100, factor: 3, maxDelayMillis: 1_000, jitter: 0 })
    expect([1, 2, 3, 4, 5].map((n) => Backoff.backoff(policy, n, 0.9))).toEqual([100, 300, 900, 1_000, 1_000])
    expect(Backoff.backoff(Backoff.resolve({ baseMillis: 0 }), 3, 0.7)).toBe(0)
  })

  it("a retry number below 1 gets the base wait", () => {
    expect(Backoff.backoff(Backoff.defaults, 0, 0.5)).toBe(1_000)
  })
})

describe("Backoff.decide", () => {
  const policy = Backoff.resolve({ times: 3, jitter: 0 })

  it("the computed wait for each retry up to `times`, then none", () => {
    expect([1, 2, 3, 4].map((n) => Backoff.decide(policy, n, 0, 0.5, undefined))).toEqual([1_000, 2_000, 4_000, undefined])
    expect(Backoff.decide(Backoff.resolve({ times: 0 }), 1, 0, 0.5, undefined)).toBeUndefined()
  })

  it("a Retry-After wins over the computed wait, unjittered, rounded up, cut to maxRetryAfter", () => {
    expect(Backoff.decide(Backoff.defaults, 1, 0, 0, 7_000)).toBe(7_000)
    expect(Backoff.decide(Backoff.defaults, 5, 0, 0.9, 0)).toBe(0)
    expect(Backoff.decide(Backoff.defaults, 1, 0, 0.5, 12.2)).toBe(13)
    expect(Backoff.decide(Backoff.defaults, 1, 0, 0.5, 3_600_000)).toBe(60_000)
    expect(Backoff.decide(Backoff.resolve({ maxRetryAfterMillis: 5_000 }), 1, 0, 0.5, 30_000)).toBe(5_000)
  })

  it("a Retry-After does not buy a retry past `times`", () => {
    expect(Backoff.decide(policy, 4, 0, 0.5, 1_000)).toBeUndefined()
  })

  it("upTo: a retry whose wait would end past the limit is not made", () => {
    const limited = Backoff.resolve({ times: 10, jitter: 0, upToMillis: 10_000 })
    expect(Backoff.decide(limited, 1, 0, 0.5, undefined)).toBe(1_000)
    expect(Backoff.decide(limited, 3, 6_000, 0.5, undefined)).toBe(4_000)
    expect(Backoff.decide(limited, 3, 6_001, 0.5, undefined)).toBeUndefined()
    expect(Backoff.decide(limited, 1, 9_000, 0.5, 2_000)).toBeUndefined()
  })

  it("the whole default schedule stays within its bounds: 5 retries, at most 1.2 x (1+2+4+8+16) s", () => {
    for (const [i, random] of draws(100).entries()) {
      const waits = [1, 2, 3, 4, 5, 6].map((n) => Backoff.decide(Backoff.defaults, n, 0, (random + i / 100) % 1, undefined))
      expect(waits[5]).toBeUndefined()
      const total = waits.reduce<number>((sum, wait) => sum + (wait ?? 0), 0)
      expect(total).toBeGreaterThanOrEqual(0.8 * 31_000 - 5)
      expect(total).toBeLessThanOrEqual(1.2 * 31_000 + 5)
    }
  })
})
