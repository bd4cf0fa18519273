import { describe, expect, it } from "vitest"
import { TokenBuckets } from "@errata/dialect"

const bucket = (key: string, overrides: Partial<TokenBuckets.TokenBucketCall> = {}): TokenBuckets.TokenBucketCall => ({
  key,
  tokens: 1,
  limit: 3,
  refillMillis: 1_000,
  allowOverflow: false,
  ...overrides
})

const window = (key: string, overrides: Partial<TokenBuckets.FixedWindowCall> = {}): TokenBuckets.FixedWindowCall => ({
  key,
  tokens: 1,
  limit: 2,
  refillMillis: 1_000,
  ...overrides
})

interface Cooldown extends TokenBuckets.Expiring {
  expiresAt: number
  readonly label: string
}

describe("TokenBuckets", () => {
  it("boundKey: short keys as they are, longer ones as their length and a 64-bit digest", () => {
    const max = "k".repeat(TokenBuckets.MAX_KEY_LENGTH)
    expect(TokenBuckets.boundKey("key:sk_1")).toBe("key:sk_1")
    expect(TokenBuckets.boundKey(max)).toBe(max)
    const long = TokenBuckets.boundKey(max + "k")
    expect(long).toMatch(/^#257:[\da-f]{16}$/)
    expect(TokenBuckets.boundKey(max + "k")).toBe(long)
    expect(TokenBuckets.boundKey(max + "j")).not.toBe(long)
    expect(TokenBuckets.boundKey("k".repeat(8192)).length).toBeLessThan(30)
  })

  it("the defaults: 100,000 entries, keys of 256 characters", () => {
    expect(TokenBuckets.DEFAULT_MAX_BUCKETS).toBe(100_000)
    expect(TokenBuckets.MAX_KEY_LENGTH).toBe(256)
  })

  it("tokenBucket: a new bucket is full, each call takes, a call with too few tokens takes nothing", () => {
    const table = TokenBuckets.make(10)
    expect(table.tokenBucket(bucket("a"), 0)).toEqual([2, 0])
    expect(table.tokenBucket(bucket("a"), 0)).toEqual([1, 0])
    expect(table.tokenBucket(bucket("a"), 0)).toEqual([0, 0])
    expect(table.tokenBucket(bucket("a"), 0)).toEqual([-1, 0])
    expect(table.tokenBucket(bucket("a", { tokens: 0 }), 0)).toEqual([0, 0])
    expect(table.size()).toBe(1)
  })

  it("tokenBucket: whole tokens refill, the rest of an interval is kept, the elapsed time is within one interval", () => {
    const table = TokenBuckets.make(10)
    table.tokenBucket(bucket("a", { tokens: 3 }), 0)
    expect(table.tokenBucket(bucket("a", { tokens: 0 }), 2_500)).toEqual([2, 500])
    expect(table.tokenBucket(bucket("a", { tokens: 0 }), 2_999)).toEqual([2, 999])
    expect(table.tokenBucket(bucket("a"), 3_000)).toEqual([2, 0])
  })

  it("tokenBucket: with overflow the bucket goes below zero", () => {
    const table = TokenBuckets.make(10)
    expect(table.tokenBucket(bucket("a", { tokens: 5, allowOverflow: true }), 0)).toEqual([-2, 0])
    expect(table.tokenBucket(bucket("a", { tokens: 0 }), 1_000)).toEqual([-1, 0])
  })

  it("tokenBucket: a bucket full again is dropped, and a full one is answered as a new one", () => {
    const table = TokenBuckets.make(10)
    table.tokenBucket(bucket("a"), 0)
    expect(table.size()).toBe(1)
    // Handing the token back fills it: the same as no bucket.
    expect(table.tokenBucket(bucket("a", { tokens: -1 }), 0)).toEqual([3, 0])
    expect(table.size()).toBe(0)
    table.tokenBucket(bucket("a"), 0)
    // Refilled completely at 1,000: taken from at 1,700, its interval starts then.
    expect(table.tokenBucket(bucket("a"), 1_700)).toEqual([2, 0])
    expect(table.tokenBucket(bucket("a", { tokens: 0 }), 2_699)).toEqual([2, 999])
  })

  it("fixedWindow: counts within the window, refuses over the limit without counting, ends", () => {
    const table = TokenBuckets.make(10)
    expect(table.fixedWindow(window("w"), 0)).toEqual([1, 1_000])
    expect(table.fixedWindow(window("w"), 100)).toEqual([2, 1_900])
    expect(table.fixedWindow(window("w"), 200)).toEqual([3, 1_800])
    expect(table.fixedWindow(window("w"), 2_000)).toEqual([1, 1_000])
  })

  it("fixedWindow: a limit of 0 or none is no limit", () => {
    const table = TokenBuckets.make(10)
    for (const limit of [0, undefined]) {
      for (let i = 0; i < 5; i++) table.fixedWindow(window(`w${limit}`, { limit }), 0)
      expect(table.fixedWindow(window(`w${limit}`, { limit }), 0)[0]).toBe(6)
    }
  })

  it("a key used as a bucket and as a window is two entries", () => {
    const table = TokenBuckets.make(10)
    table.tokenBucket(bucket("k"), 0)
    table.fixedWindow(window("k"), 0)
    expect(table.size()).toBe(2)
  })

  it("beyond the cap the least recently used entry is evicted, and starts again full", () => {
    const table = TokenBuckets.make(2)
    table.tokenBucket(bucket("a"), 0)
    table.tokenBucket(bucket("b"), 0)
    table.tokenBucket(bucket("a"), 0) // a is used again: b is now the oldest
    table.tokenBucket(bucket("c"), 0)
    expect(table.size()).toBe(2)
    expect(table.tokenBucket(bucket("a", { tokens: 0 }), 0)).toEqual([1, 0])
    expect(table.tokenBucket(bucket("b", { tokens: 0 }), 0)).toEqual([3, 0]) // forgotten
  })

  it("spent entries at the old end are swept by later calls", () => {
    const table = TokenBuckets.make(1_000)
    for (let i = 0; i < 50; i++) table.tokenBucket(bucket(`k${i}`), 0)
    for (let i = 0; i < 50; i++) table.fixedWindow(window(`w${i}`), 0)
    expect(table.size()).toBe(100)
    table.sweep(5_000)
    // At most 64 a call, never a pause.
    expect(table.size()).toBe(36)
    table.tokenBucket(bucket("fresh"), 5_000)
    expect(table.size()).toBe(1)
  })

  it("own entries: found until they expire, kept under the same cap, swept when expired", () => {
    const table = TokenBuckets.make<Cooldown>(2)
    expect(table.find("x", 0)).toBeUndefined()
    const state: Cooldown = { expiresAt: 1_000, label: "x" }
    table.keep("x", state)
    expect(table.find("x", 999)).toBe(state)
    state.expiresAt = 2_000
    expect(table.find("x", 1_500)).toBe(state)
    table.keep("x", state)
    expect(table.size()).toBe(1)
    expect(table.find("x", 2_000)).toBeUndefined()
    expect(table.size()).toBe(0)
    table.keep("y", { expiresAt: 10_000, label: "y" })
    table.tokenBucket(bucket("y"), 0)
    table.fixedWindow(window("y"), 0)
    expect(table.size()).toBe(2)
    expect(table.find("y", 0)).toBeUndefined() // evicted, the oldest
  })
})
