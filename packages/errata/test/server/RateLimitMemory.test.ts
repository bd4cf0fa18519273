/**
 * errata's memory `RateLimiterStore` (`RateLimit.layerMemory`): the answers of `effect/persistence`'s
 * `layerStoreMemory` (token buckets with their elapsed time, fixed windows, the adaptive state), and
 * a bounded map. Time is the TestClock's, or a hand-moved clock for the properties.
 */
import { describe, expect, it } from "@effect/vitest"
import { Clock, Duration, Effect, Exit, Layer } from "effect"
import { RateLimiter } from "effect/persistence"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import * as RateLimit from "../../src/server/RateLimit.js"
import * as MemoryStore from "../../src/server/internal/memoryStore.js"

type Store = RateLimiter.RateLimiterStore["Service"]

const errataStore = () => Layer.sync(RateLimiter.RateLimiterStore, () => MemoryStore.make(MemoryStore.DEFAULT_MAX_BUCKETS).store)

const stores = [
  { name: "effect/persistence layerStoreMemory", layer: () => RateLimiter.layerStoreMemory },
  { name: "errata's memory store", layer: errataStore }
] as const

const exceeded = (error: RateLimiter.RateLimiterError) => {
  expect(error.reason._tag).toBe("RateLimitExceeded")
  return error.reason._tag === "RateLimitExceeded" ? error.reason : undefined
}

// The RateLimiter's expectations, run against both stores: what holds for Effect's store holds for errata's.
describe.each(stores)("RateLimiter on $name", ({ layer }) => {
  const limiterLayer = () => Layer.effect(RateLimiter.RateLimiter, RateLimiter.make).pipe(Layer.provide(layer()))

  it.effect("fixed-window, onExceeded fail", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      const consume = limiter.consume({ algorithm: "fixed-window", onExceeded: "fail", window: "1 minute", limit: 5, key: "a" })
      yield* Effect.repeat(consume, { times: 3 })
      let result = yield* consume
      expect(result.delay).toEqual(Duration.zero)
      let error = exceeded(yield* Effect.flip(consume))
      expect(error?.retryAfter).toEqual(Duration.minutes(1))
      yield* TestClock.adjust(Duration.seconds(30))
      error = exceeded(yield* Effect.flip(consume))
      expect(error?.retryAfter).toEqual(Duration.seconds(30))
      yield* TestClock.adjust(Duration.seconds(30))
      result = yield* consume
      expect(result.remaining).toEqual(4)
    }).pipe(Effect.provide(limiterLayer())))

  it.effect("token-bucket, onExceeded delay: the delay and resetAfter count the time into the interval", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      const consume = limiter.consume({ algorithm: "token-bucket", onExceeded: "delay", window: "1 minute", limit: 5, key: "a" })
      yield* Effect.repeat(consume, { times: 3 })
      let result = yield* consume
      expect(result.delay).toEqual(Duration.zero)
      expect(result.resetAfter).toEqual(Duration.minutes(1))
      result = yield* consume
      expect(result.delay).toEqual(Duration.seconds(12))
      yield* TestClock.adjust(Duration.seconds(5))
      result = yield* consume
      // Two tokens owed, 5 s into the interval: 24 s − 5 s.
      expect(result.delay).toEqual(Duration.seconds(19))
      yield* TestClock.adjust(Duration.minutes(1))
      result = yield* consume
      expect(result.delay).toEqual(Duration.zero)
      expect(result.remaining).toEqual(2)
    }).pipe(Effect.provide(limiterLayer())))

  it.effect("token-bucket, onExceeded fail: retryAfter is the time to the next token", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.RateLimiter
      const consume = limiter.consume({ algorithm: "token-bucket", onExceeded: "fail", window: "1 minute", limit: 5, key: "a" })
      yield* Effect.repeat(consume, { times: 4 })
      expect(exceeded(yield* Effect.flip(consume))?.retryAfter).toEqual(Duration.seconds(12))
      yield* TestClock.adjust(Duration.seconds(7))
      expect(exceeded(yield* Effect.flip(consume))?.retryAfter).toEqual(Duration.seconds(5))
      yield* TestClock.adjust(Duration.seconds(29))
      const result = yield* consume
      expect(result.remaining).toEqual(2)
    }).pipe(Effect.provide(limiterLayer())))
})

/** A clock that reads `time.now`: a property runs thousands of calls, and moving a TestClock is slow. */
const manualClock = () => {
  const time = { now: 0 }
  const clock: Clock.Clock = {
    currentTimeMillisUnsafe: () => time.now,
    currentTimeMillis: Effect.sync(() => time.now),
    currentTimeNanosUnsafe: () => BigInt(time.now) * 1_000_000n,
    currentTimeNanos: Effect.sync(() => BigInt(time.now) * 1_000_000n),
    monotonicTimeNanosUnsafe: () => BigInt(time.now) * 1_000_000n,
    monotonicTimeNanos: Effect.sync(() => BigInt(time.now) * 1_000_000n),
    sleep: () => Effect.void
  }
  return { time, run: <A, E>(effect: Effect.Effect<A, E>) => Effect.runSync(Effect.provideService(effect, Clock.Clock, clock)) }
}

const effectStore = (run: <A, E>(effect: Effect.Effect<A, E>) => A): Store =>
  run(Effect.provide(RateLimiter.RateLimiterStore, RateLimiter.layerStoreMemory))

// Eight keys, each always on the same tier (limit and refill interval), as a middleware's keys are;
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

const advance = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 30_000 }))

const call = fc.record({
  key: fc.integer({ min: 0, max: keyTiers.length - 1 }),
  advanceMillis: advance,
  tokens: fc.integer({ min: 0, max: 4 }),
  allowOverflow: fc.boolean()
})

const tierOf = (key: number) => keyTiers[key] ?? keyTiers[0]

describe("errata's memory store answers as layerStoreMemory does", () => {
  it("token buckets: every [remaining, elapsedMillis] is layerStoreMemory's", () =>
    fc.assert(
      fc.property(fc.array(call, { minLength: 20, maxLength: 300 }), (calls) => {
        const { run, time } = manualClock()
        const { size, store } = MemoryStore.make(MemoryStore.DEFAULT_MAX_BUCKETS)
        const original = effectStore(run)
        for (const c of calls) {
          time.now += c.advanceMillis
          const tier = tierOf(c.key)
          const options = {
            key: `k${c.key}`,
            tokens: c.tokens,
            limit: tier.limit,
            refillRate: Duration.millis(tier.refillMillis),
            allowOverflow: c.allowOverflow
          }
          expect(run(store.tokenBucket(options))).toStrictEqual(run(original.tokenBucket(options)))
          expect(size()).toBeLessThanOrEqual(keyTiers.length)
        }
      }),
      { numRuns: 300 }
    ))

  it("fixed windows: every answer is layerStoreMemory's", () =>
    fc.assert(
      fc.property(
        fc.array(fc.record({ call, limit: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }) }), { maxLength: 300 }),
        (calls) => {
          const { run, time } = manualClock()
          const errata = MemoryStore.make(MemoryStore.DEFAULT_MAX_BUCKETS)
          const original = effectStore(run)
          for (const { call: c, limit } of calls) {
            time.now += c.advanceMillis
            const options = { key: `k${c.key}`, tokens: c.tokens, refillRate: Duration.millis(tierOf(c.key).refillMillis), limit }
            expect(run(errata.store.fixedWindow(options))).toStrictEqual(run(original.fixedWindow(options)))
          }
        }
      ),
      { numRuns: 300 }
    ))

  // Consumes and feedback (429s with and without a wait, other statuses, stale and current
  // epochs) on three keys, over time: the phases, epochs and delays are layerStoreMemory's.
  const feedbackStep = fc.record({
    status: fc.constantFrom(429, 429, 429, 200, 503),
    retryAfterMillis: fc.option(
      fc.oneof({ arbitrary: fc.integer({ min: -10, max: 2_000 }), weight: 8 }, { arbitrary: fc.constant(10_000_000), weight: 1 }),
      { nil: undefined, freq: 8 }
    ),
    staleEpoch: fc.boolean()
  })
  const adaptiveStep = fc.record({
    key: fc.integer({ min: 0, max: 1 }),
    advanceMillis: fc.oneof(
      { arbitrary: fc.constant(0), weight: 3 },
      { arbitrary: fc.integer({ min: 0, max: 1_500 }), weight: 6 },
      { arbitrary: fc.integer({ min: 0, max: 200_000 }), weight: 1 }
    ),
    feedback: fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary: feedbackStep, weight: 1 }),
    tokens: fc.integer({ min: 1, max: 3 }),
    fallbackWindowMillis: fc.constantFrom(1_000, 60_000)
  })
  // How often the runs reached a learned state that asked for a wait: the property must get there.
  let pacedAnswers = 0

  it("adaptive state: every adaptiveConsume answer is layerStoreMemory's, whatever was fed back", () => {
    fc.assert(
      fc.property(fc.array(adaptiveStep, { minLength: 50, maxLength: 200 }), (steps) => {
        const { run, time } = manualClock()
        const errata = MemoryStore.make(MemoryStore.DEFAULT_MAX_BUCKETS)
        const original = effectStore(run)
        const epochs = new Map<number, number>()
        const plain = (result: RateLimiter.AdaptiveConsumeResult) => ({
          delay: Duration.toMillis(result.delay),
          epoch: result.epoch,
          phase: result.phase
        })
        for (const step of steps) {
          time.now += step.advanceMillis
          const key = `client-${step.key}`
          if (step.feedback !== undefined) {
            const epoch = step.feedback.staleEpoch ? (epochs.get(step.key) ?? 0) + 7 : (epochs.get(step.key) ?? 0)
            const options = {
              key,
              epoch,
              tokens: step.tokens,
              status: step.feedback.status,
              retryAfter: step.feedback.retryAfterMillis === undefined ? undefined : Duration.millis(step.feedback.retryAfterMillis)
            }
            run(errata.store.adaptiveFeedback(options))
            run(original.adaptiveFeedback(options))
          } else {
            const options = { key, tokens: step.tokens, fallbackLimit: 10, fallbackWindow: Duration.millis(step.fallbackWindowMillis) }
            const answer = plain(run(errata.store.adaptiveConsume(options)))
            expect(answer).toStrictEqual(plain(run(original.adaptiveConsume(options))))
            epochs.set(step.key, answer.epoch)
            if (answer.phase === "learned" && answer.delay > 0) pacedAnswers++
          }
          expect(errata.size()).toBeLessThanOrEqual(3)
        }
      }),
      { numRuns: 300 }
    )
    expect(pacedAnswers).toBeGreaterThan(100)
  })
})

describe("the adaptive methods, step by step", () => {
  it.effect("inactive, cooldown for the Retry-After, learning, learned: paced to what got through", () =>
    Effect.gen(function*() {
      const { size, store } = MemoryStore.make(MemoryStore.DEFAULT_MAX_BUCKETS)
      const consume = (key = "api") => store.adaptiveConsume({ key, tokens: 1, fallbackLimit: 10, fallbackWindow: Duration.minutes(1) })
      const feedback = (epoch: number, status: number, retryAfter?: Duration.Duration) =>
        store.adaptiveFeedback({ key: "api", epoch, tokens: 1, status, retryAfter })

      expect(yield* consume()).toStrictEqual({ delay: Duration.zero, epoch: 0, phase: "inactive" })
      // Only a 429 with a wait teaches anything; a 200, or a 429 without Retry-After, leaves no state.
      yield* feedback(0, 200, Duration.seconds(1))
      yield* feedback(0, 429)
      expect(size()).toBe(0)

      yield* feedback(0, 429, Duration.seconds(2))
      expect(size()).toBe(1)
      expect(yield* consume()).toStrictEqual({ delay: Duration.seconds(2), epoch: 0, phase: "cooldown" })
      yield* TestClock.adjust("500 millis")
      expect(Duration.toMillis((yield* consume()).delay)).toBe(1500)
      // Another key is untouched.
      expect((yield* consume("other")).phase).toBe("inactive")

      yield* TestClock.adjust("1500 millis")
      // Cooldown over: learning, a new epoch; three requests get through, the fourth is a 429.
      expect(yield* consume()).toStrictEqual({ delay: Duration.zero, epoch: 1, phase: "learning" })
      expect((yield* consume()).phase).toBe("learning")
      expect((yield* consume()).phase).toBe("learning")
      yield* TestClock.adjust("1 second")
      expect((yield* consume()).phase).toBe("learning")
      // A stale epoch's feedback is ignored.
      yield* feedback(0, 429, Duration.seconds(5))
      expect((yield* consume()).phase).toBe("learning")
      // Five consumed, the fifth refused: four in 1 s + 3 s of Retry-After, a learned window of 4 s.
      yield* feedback(1, 429, Duration.seconds(3))
      const first = yield* consume()
      expect(first.phase).toBe("learned")
      expect(first.epoch).toBe(2)
      // The fifth request of a learned window of four: wait for the window, which started when
      // learning did (2 s) and ends at 6 s, 3 s from now.
      expect(Duration.toMillis(first.delay)).toBe(3000)
      // A 429 while learned: back to cooldown.
      yield* feedback(2, 429, Duration.seconds(1))
      expect(yield* consume()).toStrictEqual({ delay: Duration.seconds(1), epoch: 2, phase: "cooldown" })

      // The state expires a minute after its cooldown, and is dropped.
      yield* TestClock.adjust("61001 millis")
      expect(yield* consume()).toStrictEqual({ delay: Duration.zero, epoch: 0, phase: "inactive" })
      expect(size()).toBe(0)
    }))
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
      const { size, store } = MemoryStore.make(MemoryStore.DEFAULT_MAX_BUCKETS)
      // Burst 3, a token a second: one request leaves a bucket a second from full.
      for (let i = 0; i < 1000; i++) yield* store.tokenBucket(bucket(`quick-${i}`))
      // Three requests: three seconds from full.
      for (let i = 0; i < 3; i++) yield* store.tokenBucket(bucket("slow"))
      expect(size()).toBe(1001)

      yield* TestClock.adjust("999 millis")
      expect(yield* store.tokenBucket(bucket("probe"))).toStrictEqual([2, 0])
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

  it.effect("the elapsed time is the time since the interval started, which advances by whole intervals", () =>
    Effect.gen(function*() {
      const { store } = MemoryStore.make(MemoryStore.DEFAULT_MAX_BUCKETS)
      // At the front, four minutes from full: the sweep stops there and never reaches "a".
      yield* store.tokenBucket(bucket("shield", 4, 60_000))
      const a = bucket("a", 3, 250)
      expect(yield* store.tokenBucket(a)).toStrictEqual([2, 0])
      yield* TestClock.setTime(100)
      expect(yield* store.tokenBucket(a)).toStrictEqual([1, 100])
      // Two intervals later and 20 ms: both tokens back; full again, so a new bucket, interval now.
      yield* TestClock.setTime(520)
      expect(yield* store.tokenBucket(a)).toStrictEqual([2, 0])
      yield* TestClock.setTime(700)
      expect(yield* store.tokenBucket(a)).toStrictEqual([1, 180])
      yield* TestClock.setTime(790)
      expect(yield* store.tokenBucket(a)).toStrictEqual([1, 20])
    }))

  it.effect("a bucket full after a call, or a window already over, is not kept; a token handed back fills it", () =>
    Effect.gen(function*() {
      const { size, store } = MemoryStore.make(MemoryStore.DEFAULT_MAX_BUCKETS)
      expect(yield* store.tokenBucket({ ...bucket("peek"), tokens: 0 })).toStrictEqual([3, 0])
      expect(size()).toBe(0)
      expect(yield* store.tokenBucket(bucket("handed-back"))).toStrictEqual([2, 0])
      expect(yield* store.tokenBucket({ ...bucket("handed-back"), tokens: -1 })).toStrictEqual([3, 0])
      expect(size()).toBe(0)
      expect(yield* store.fixedWindow({ key: "w", tokens: 0, refillRate: Duration.seconds(1), limit: 5 })).toStrictEqual([0, 0])
      expect(size()).toBe(0)
      yield* store.fixedWindow({ key: "w", tokens: 1, refillRate: Duration.seconds(1), limit: 5 })
      expect(size()).toBe(1)
      yield* TestClock.adjust("1 second")
      yield* store.tokenBucket({ ...bucket("peek"), tokens: 0 })
      expect(size()).toBe(0)
    }))

  it.effect("beyond maxBuckets the least recently used entry is evicted, adaptive states included, and a busy one stays", () =>
    Effect.gen(function*() {
      const { size, store } = MemoryStore.make(3)
      yield* store.tokenBucket(bucket("busy", 100, 60_000))
      for (let i = 0; i < 10; i++) {
        yield* store.tokenBucket(bucket(`stranger-${i}`, 100, 60_000))
        yield* store.adaptiveFeedback({ key: `learner-${i}`, epoch: 0, tokens: 1, status: 429, retryAfter: Duration.minutes(5) })
        yield* store.tokenBucket(bucket("busy", 100, 60_000))
        expect(size()).toBeLessThanOrEqual(3)
      }
      // "busy" kept its count (11 taken of 100); the evicted strangers start again from full.
      expect((yield* store.tokenBucket({ ...bucket("busy", 100, 60_000), tokens: 0 }))[0]).toBe(89)
      expect((yield* store.tokenBucket({ ...bucket("stranger-0", 100, 60_000), tokens: 0 }))[0]).toBe(100)
      expect((yield* store.tokenBucket({ ...bucket("stranger-9", 100, 60_000), tokens: 0 }))[0]).toBe(99)
      // The last learner is still cooling down; the first was evicted, and is inactive.
      const options = (key: string) => ({ key, tokens: 1, fallbackLimit: 1, fallbackWindow: Duration.minutes(1) })
      expect((yield* store.adaptiveConsume(options("learner-9"))).phase).toBe("cooldown")
      expect((yield* store.adaptiveConsume(options("learner-0"))).phase).toBe("inactive")
    }))

  it.effect("a key of any length costs a bounded entry, and keeps its own bucket", () =>
    Effect.gen(function*() {
      const { size, store } = MemoryStore.make(MemoryStore.DEFAULT_MAX_BUCKETS)
      const long = (c: string) => "key:" + c.repeat(8000)
      expect((yield* store.tokenBucket(bucket(long("a"))))[0]).toBe(2)
      expect((yield* store.tokenBucket(bucket(long("a"))))[0]).toBe(1)
      expect((yield* store.tokenBucket(bucket(long("b"))))[0]).toBe(2)
      expect((yield* store.tokenBucket(bucket("key:" + "a".repeat(MemoryStore.MAX_KEY_LENGTH - 4))))[0]).toBe(2)
      expect(size()).toBe(3)
    }))

  it.effect("100,000 sprayed keys through RateLimit.layerMemory's store leave at most 100,000 buckets", () =>
    Effect.gen(function*() {
      const { size, store } = MemoryStore.make(MemoryStore.DEFAULT_MAX_BUCKETS)
      for (let i = 0; i < 120_000; i++) yield* store.tokenBucket(bucket(`key:sk_live_sprayed_${i}`, 15, 6000))
      expect(size()).toBe(MemoryStore.DEFAULT_MAX_BUCKETS)
    }))

  const withCap = (maxBuckets: number) => Layer.effect(RateLimiter.RateLimiter, RateLimiter.make).pipe(Layer.provide(MemoryStore.layer(maxBuckets)))

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

  it.effect("RateLimit.layerMemory: each build is a store of its own, shared by what is built with it", () =>
    Effect.gen(function*() {
      const limiter = yield* Effect.provide(RateLimiter.RateLimiter, RateLimit.layerMemory)
      const options: Parameters<RateLimiter.RateLimiter["consume"]>[0] = { algorithm: "token-bucket", window: "1 minute", limit: 3, key: "k" }
      expect((yield* limiter.consume(options)).remaining).toBe(2)
      expect((yield* limiter.consume(options)).remaining).toBe(1)
    }))
})
