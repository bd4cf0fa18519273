/**
 * errata's memory `RateLimiterStore` (`RateLimit.layerMemory`): the answers of
 * `@effect/experimental`'s `layerStoreMemory`, and a bounded map. Time is the TestClock's.
 */
import * as RateLimiter from "@effect/experimental/RateLimiter"
import { assert, describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Exit, FastCheck as fc, Layer, TestClock } from "effect"
import * as MemoryStore from "../src/internal/memoryStore.js"

const errataStore = () => Layer.sync(RateLimiter.RateLimiterStore, () => MemoryStore.make(MemoryStore.DEFAULT_MAX_BUCKETS).store)

const stores = [
  { name: "@effect/experimental layerStoreMemory", layer: () => RateLimiter.layerStoreMemory },
  { name: "errata's memory store", layer: errataStore }
] as const

// @effect/experimental's own tests of its memory store (test/RateLimiter.test.ts), run against both:
// the ported expectations hold for errata's store as they do for the original.
describe.each(stores)("RateLimiter on $name: @effect/experimental's expectations", ({ layer }) => {
  it.effect("fixed-window, onExceeded delay", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.make
      const consume = limiter.consume({ algorithm: "fixed-window", onExceeded: "delay", window: "1 minute", limit: 5, tokens: 1, key: "a" })
      yield* Effect.repeatN(consume, 3)
      let result = yield* consume
      expect(result.delay).toEqual(Duration.zero)
      result = yield* consume
      expect(result.delay).toEqual(Duration.minutes(1))
      yield* Effect.repeatN(consume, 2)
      result = yield* consume
      expect(result.delay).toEqual(Duration.minutes(1))
      result = yield* consume
      expect(result.delay).toEqual(Duration.minutes(2))
    }).pipe(Effect.provide(layer())))

  it.effect("fixed-window, onExceeded fail", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.make
      const consume = limiter.consume({ algorithm: "fixed-window", onExceeded: "fail", window: "1 minute", limit: 5, tokens: 1, key: "a" })
      yield* Effect.repeatN(consume, 3)
      let result = yield* consume
      expect(result.delay).toEqual(Duration.zero)
      let error = yield* Effect.flip(consume)
      assert(error.reason === "Exceeded")
      expect(error.retryAfter).toEqual(Duration.minutes(1))
      expect(error.remaining).toEqual(0)
      yield* TestClock.adjust(Duration.seconds(30))
      error = yield* Effect.flip(consume)
      assert(error.reason === "Exceeded")
      expect(error.retryAfter).toEqual(Duration.seconds(30))
      yield* TestClock.adjust(Duration.seconds(30))
      result = yield* consume
      expect(result.delay).toEqual(Duration.zero)
      expect(result.remaining).toEqual(4)
    }).pipe(Effect.provide(layer())))

  it.effect("token-bucket, onExceeded delay", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.make
      const consume = limiter.consume({ algorithm: "token-bucket", onExceeded: "delay", window: "1 minute", limit: 5, tokens: 1, key: "a" })
      const refillRate = Duration.unsafeDivide(Duration.minutes(1), 5)
      yield* Effect.repeatN(consume, 3)
      let result = yield* consume
      expect(result.delay).toEqual(Duration.zero)
      result = yield* consume
      expect(result.delay).toEqual(refillRate)
      result = yield* consume
      expect(result.delay).toEqual(Duration.times(refillRate, 2))
      yield* TestClock.adjust(Duration.minutes(1))
      result = yield* consume
      expect(result.delay).toEqual(Duration.zero)
      expect(result.remaining).toEqual(2)
    }).pipe(Effect.provide(layer())))

  it.effect("token-bucket, onExceeded fail", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.make
      const consume = limiter.consume({ algorithm: "token-bucket", onExceeded: "fail", window: "1 minute", limit: 5, tokens: 1, key: "a" })
      const refillRate = Duration.unsafeDivide(Duration.minutes(1), 5)
      yield* Effect.repeatN(consume, 3)
      let result = yield* consume
      expect(result.delay).toEqual(Duration.zero)
      const error = yield* Effect.flip(consume)
      assert(error.reason === "Exceeded")
      expect(error.retryAfter).toEqual(Duration.seconds(12))
      expect(error.remaining).toEqual(0)
      yield* TestClock.adjust(Duration.times(refillRate, 3))
      result = yield* consume
      expect(result.delay).toEqual(Duration.zero)
      expect(result.remaining).toEqual(2)
    }).pipe(Effect.provide(layer())))
})

/**
 * `layerStoreMemory`'s token bucket with the one difference errata's store makes on purpose: a
 * bucket found full is answered as a new one (the time it spent full is not banked).
 */
const modelTokenBucket = () => {
  const buckets = new Map<string, { tokens: number; lastRefill: number }>()
  return (now: number, options: { key: string; tokens: number; limit: number; refillMillis: number; allowOverflow: boolean }) => {
    let bucket = buckets.get(options.key)
    if (!bucket || bucket.tokens + Math.floor((now - bucket.lastRefill) / options.refillMillis) >= options.limit) {
      bucket = { tokens: options.limit, lastRefill: now }
      buckets.set(options.key, bucket)
    } else {
      const tokensToAdd = Math.floor((now - bucket.lastRefill) / options.refillMillis)
      if (tokensToAdd > 0) {
        bucket.tokens = Math.min(options.limit, bucket.tokens + tokensToAdd)
        bucket.lastRefill += tokensToAdd * options.refillMillis
      }
    }
    const newTokenCount = bucket.tokens - options.tokens
    if (options.allowOverflow || newTokenCount >= 0) bucket.tokens = newTokenCount
    return newTokenCount
  }
}

// Eight keys, each always on the same tier (limit and refill period), as a middleware's keys are;
// the slow tiers keep entries at the front of the map that are not full, so full ones behind them
// are found full when called, not dropped first.
const keyTiers = [
  { limit: 1, refillMillis: 1000 },
  { limit: 3, refillMillis: 250 },
  { limit: 5, refillMillis: 4000 },
  { limit: 15, refillMillis: 6000 },
  { limit: 2, refillMillis: 100 },
  { limit: 4, refillMillis: 60_000 },
  { limit: 3, refillMillis: 700 },
  { limit: 50, refillMillis: 1200 }
] as const

const call = fc.record({
  key: fc.integer({ min: 0, max: keyTiers.length - 1 }),
  advanceMillis: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 30_000 })),
  tokens: fc.integer({ min: -1, max: 4 }),
  allowOverflow: fc.boolean()
})

/** A clock that reads `time.now`: a property runs thousands of calls, and setting a TestClock is slow. */
const manualClock = () => {
  const time = { now: 0 }
  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => time.now,
    unsafeCurrentTimeNanos: () => BigInt(time.now) * 1_000_000n,
    currentTimeMillis: Effect.sync(() => time.now),
    currentTimeNanos: Effect.sync(() => BigInt(time.now) * 1_000_000n),
    sleep: () => Effect.void
  }
  return { time, run: <A, E>(effect: Effect.Effect<A, E>) => Effect.runSync(Effect.withClock(effect, clock)) }
}

describe("errata's memory store answers as layerStoreMemory does", () => {
  it.prop(
    "token buckets: every answer is layerStoreMemory's, but for a bucket that was full, answered as a new one",
    [fc.array(call, { maxLength: 300 })],
    ([calls]) => {
      const { store, size } = MemoryStore.make(MemoryStore.DEFAULT_MAX_BUCKETS)
      const model = modelTokenBucket()
      const { run, time } = manualClock()
      for (const c of calls) {
        time.now += c.advanceMillis
        const tier = keyTiers[c.key] ?? keyTiers[0]
        const options = { key: `k${c.key}`, tokens: c.tokens, allowOverflow: c.allowOverflow, ...tier }
        const answer = run(store.tokenBucket({ ...options, refillRate: Duration.millis(tier.refillMillis) }))
        expect(answer).toBe(model(time.now, options))
        expect(size()).toBeLessThanOrEqual(keyTiers.length)
      }
    },
    { fastCheck: { numRuns: 500 } }
  )

  it.prop(
    "fixed windows: every answer is layerStoreMemory's",
    [fc.array(fc.record({ call, limit: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }) }), { maxLength: 300 })],
    ([calls]) => {
      const errata = MemoryStore.make(MemoryStore.DEFAULT_MAX_BUCKETS)
      const { run, time } = manualClock()
      const original = run(Effect.provide(RateLimiter.RateLimiterStore, RateLimiter.layerStoreMemory))
      for (const { call: c, limit } of calls) {
        time.now += c.advanceMillis
        const options = {
          key: `k${c.key}`,
          tokens: Math.max(0, c.tokens),
          refillRate: Duration.millis(keyTiers[c.key]?.refillMillis ?? 1000),
          limit
        }
        expect(run(errata.store.fixedWindow(options))).toStrictEqual(run(original.fixedWindow(options)))
      }
    },
    { fastCheck: { numRuns: 500 } }
  )
})

const bucket = (key: string, limit = 3, refillMillis = 1000) => ({
  key,
  tokens: 1,
  limit,
  refillRate: Duration.millis(refillMillis),
  allowOverflow: false
})

describe("errata's memory store is bounded", () => {
  it.effect("a bucket that has refilled completely is dropped; one still refilling is kept", () =>
    Effect.gen(function*() {
      const { store, size } = MemoryStore.make(MemoryStore.DEFAULT_MAX_BUCKETS)
      // Burst 3, a token a second: one request leaves a bucket a second from full.
      for (let i = 0; i < 1000; i++) yield* store.tokenBucket(bucket(`quick-${i}`))
      // Three requests: three seconds from full.
      for (let i = 0; i < 3; i++) yield* store.tokenBucket(bucket("slow"))
      expect(size()).toBe(1001)

      yield* TestClock.adjust("999 millis")
      yield* store.tokenBucket(bucket("probe"))
      expect(size()).toBe(1002)

      // Full again, so dropped: from the front (least recently used first), at most 64 a call.
      yield* TestClock.adjust("1 millis")
      for (let i = 0; i < 15; i++) yield* store.tokenBucket(bucket("probe"))
      expect(size()).toBe(1002 - 15 * 64)
      yield* store.tokenBucket(bucket("probe"))
      // The sweep stops at "slow", still two seconds from full; "probe" is at the back.
      expect(size()).toBe(2)

      yield* TestClock.adjust("3 seconds")
      yield* store.tokenBucket(bucket("last"))
      expect(size()).toBe(1)
    }))

  it.effect("a bucket found full is answered as a new one, wherever it is in the map", () =>
    Effect.gen(function*() {
      const { store, size } = MemoryStore.make(MemoryStore.DEFAULT_MAX_BUCKETS)
      // At the front, four minutes from full: the sweep stops there and never reaches "a".
      yield* store.tokenBucket(bucket("shield", 4, 60_000))
      const a = bucket("a", 3, 250)
      expect(yield* store.tokenBucket(a)).toBe(2)
      // Full again at 250 ms; at 300 ms it is a new bucket, whose first refill is at 550 ms, not 500.
      yield* TestClock.setTime(300)
      expect(yield* store.tokenBucket(a)).toBe(2)
      yield* TestClock.setTime(500)
      expect(yield* store.tokenBucket(a)).toBe(1)
      yield* TestClock.setTime(550)
      expect(yield* store.tokenBucket(a)).toBe(1)
      expect(size()).toBe(2)
    }))

  it.effect("a bucket full after a call, or a window already over, is not kept", () =>
    Effect.gen(function*() {
      const { store, size } = MemoryStore.make(MemoryStore.DEFAULT_MAX_BUCKETS)
      expect(yield* store.tokenBucket({ ...bucket("peek"), tokens: 0 })).toBe(3)
      expect(size()).toBe(0)
      expect(yield* store.tokenBucket(bucket("handed-back"))).toBe(2)
      expect(yield* store.tokenBucket({ ...bucket("handed-back"), tokens: -1 })).toBe(3)
      expect(size()).toBe(0)
      expect(yield* store.fixedWindow({ key: "w", tokens: 0, refillRate: Duration.seconds(1), limit: 5 })).toStrictEqual([0, 0])
      expect(size()).toBe(0)
      yield* store.fixedWindow({ key: "w", tokens: 1, refillRate: Duration.seconds(1), limit: 5 })
      expect(size()).toBe(1)
      yield* TestClock.adjust("1 second")
      yield* store.tokenBucket({ ...bucket("peek"), tokens: 0 })
      expect(size()).toBe(0)
    }))

  it.effect("beyond maxBuckets the least recently used bucket is evicted, and a busy one stays", () =>
    Effect.gen(function*() {
      const { store, size } = MemoryStore.make(3)
      yield* store.tokenBucket(bucket("busy", 100, 60_000))
      for (let i = 0; i < 10; i++) {
        yield* store.tokenBucket(bucket(`stranger-${i}`, 100, 60_000))
        yield* store.tokenBucket(bucket("busy", 100, 60_000))
        expect(size()).toBeLessThanOrEqual(3)
      }
      // "busy" kept its count (11 taken of 100); the evicted strangers start again from full.
      expect(yield* store.tokenBucket({ ...bucket("busy", 100, 60_000), tokens: 0 })).toBe(89)
      expect(yield* store.tokenBucket({ ...bucket("stranger-0", 100, 60_000), tokens: 0 })).toBe(100)
      expect(yield* store.tokenBucket({ ...bucket("stranger-9", 100, 60_000), tokens: 0 })).toBe(99)
    }))

  it.effect("a key of any length costs a bounded entry, and keeps its own bucket", () =>
    Effect.gen(function*() {
      const { store, size } = MemoryStore.make(MemoryStore.DEFAULT_MAX_BUCKETS)
      const long = (c: string) => "key:" + c.repeat(8000)
      expect(yield* store.tokenBucket(bucket(long("a")))).toBe(2)
      expect(yield* store.tokenBucket(bucket(long("a")))).toBe(1)
      expect(yield* store.tokenBucket(bucket(long("b")))).toBe(2)
      expect(yield* store.tokenBucket(bucket("key:" + "a".repeat(MemoryStore.MAX_KEY_LENGTH - 4)))).toBe(2)
      expect(size()).toBe(3)
    }))

  const withCap = (maxBuckets: number) => RateLimiter.layer.pipe(Layer.provide(MemoryStore.layer(maxBuckets)))

  it.effect("the store's layer sets the cap; a cap that is not a positive integer is a defect", () =>
    Effect.gen(function*() {
      const limiter = yield* Effect.provide(RateLimiter.RateLimiter, withCap(2))
      const result = yield* limiter.consume({ algorithm: "token-bucket", window: "1 minute", limit: 2, key: "a" })
      expect(result.remaining).toBe(1)
      for (const maxBuckets of [0, -1, 1.5, Number.NaN]) {
        const exit = yield* Effect.exit(Effect.provide(RateLimiter.RateLimiter, withCap(maxBuckets)))
        expect(Exit.isFailure(exit) && String(exit.cause)).toContain("maxBuckets must be a positive integer")
      }
    }))
})
